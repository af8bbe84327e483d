// Package s3itemstest backs s3items.Objects with gofakes3's in-memory S3 backend, for tests:
// objects put there are read back through the same calls a real S3 answers.
package s3itemstest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/stepwise-run/stepwise/integration/s3items"
)

// Mem is an in-memory S3.
type Mem struct {
	Backend *s3mem.Backend
	// Gets counts GetObject calls (each a range).
	Gets int
}

// New returns an empty in-memory S3 with the given buckets.
func New(buckets ...string) *Mem {
	m := &Mem{Backend: s3mem.New()}
	for _, b := range buckets {
		if err := m.Backend.CreateBucket(b); err != nil {
			panic(err)
		}
	}
	return m
}

// Put stores an object.
func (m *Mem) Put(bucket, key string, body []byte) error {
	_, err := m.Backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(body), int64(len(body)), nil)
	return convert(err)
}

// Get returns a whole object's bytes.
func (m *Mem) Get(bucket, key string) ([]byte, error) {
	o, err := m.Backend.GetObject(bucket, key, nil)
	if err != nil {
		return nil, convert(err)
	}
	defer o.Contents.Close()
	return io.ReadAll(o.Contents)
}

// GetObject implements s3items.Objects.
func (m *Mem) GetObject(ctx context.Context, in s3items.GetInput) (*s3items.Object, error) {
	m.Gets++
	var rng *gofakes3.ObjectRangeRequest
	if in.Start > 0 || in.Length > 0 {
		end := int64(gofakes3.RangeNoEnd)
		if in.Length > 0 {
			end = in.Start + in.Length - 1
		}
		rng = &gofakes3.ObjectRangeRequest{Start: in.Start, End: end}
	}
	o, err := m.Backend.GetObject(in.Bucket, in.Key, rng)
	if err != nil {
		// S3 answers a range that starts at the end of an object with InvalidRange; a reader
		// never asks for one, as it knows the size from the first range.
		return nil, convert(err)
	}
	return &s3items.Object{Body: o.Contents, Size: o.Size}, nil
}

// ListObjectsV2 implements s3items.Objects.
func (m *Mem) ListObjectsV2(ctx context.Context, in s3items.ListInput) (*s3items.ListPage, error) {
	var delim *string
	if in.Delimiter != "" {
		delim = &in.Delimiter
	}
	prefix := gofakes3.NewPrefix(&in.Prefix, delim)
	marker := in.ContinuationToken
	if marker == "" {
		marker = in.StartAfter
	}
	page := gofakes3.ListBucketPage{Marker: marker, HasMarker: marker != "", MaxKeys: in.MaxKeys}
	l, err := m.Backend.ListBucket(in.Bucket, &prefix, page)
	if err != nil {
		return nil, convert(err)
	}
	out := &s3items.ListPage{IsTruncated: l.IsTruncated}
	for _, c := range l.Contents {
		out.Contents = append(out.Contents, s3items.ObjectInfo{Key: c.Key, Size: c.Size, ETag: c.ETag,
			LastModified: c.LastModified.Time, StorageClass: string(c.StorageClass)})
	}
	if l.IsTruncated && len(out.Contents) > 0 {
		out.NextContinuationToken = out.Contents[len(out.Contents)-1].Key
	}
	return out, nil
}

// PutObject implements s3items.Objects.
func (m *Mem) PutObject(ctx context.Context, bucket, key string, body []byte) error {
	return m.Put(bucket, key, body)
}

// convert gives gofakes3's errors S3's codes.
func convert(err error) error {
	if err == nil {
		return nil
	}
	var ec interface{ ErrorCode() gofakes3.ErrorCode }
	if errors.As(err, &ec) {
		msg := err.Error()
		code := string(ec.ErrorCode())
		msg = strings.TrimPrefix(msg, code)
		msg = strings.TrimPrefix(msg, ": ")
		return &s3items.Error{Code: code, Message: msg}
	}
	return err
}
