package s3items

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Objects is what a Distributed Map needs of S3.
type Objects interface {
	// GetObject returns the bytes of the object from in.Start, in.Length of them (to its end
	// when Length is 0), and the size of the whole object.
	GetObject(ctx context.Context, in GetInput) (*Object, error)
	// ListObjectsV2 returns one page of the bucket's objects under in.Prefix, in key order.
	ListObjectsV2(ctx context.Context, in ListInput) (*ListPage, error)
	// PutObject stores body at bucket/key.
	PutObject(ctx context.Context, bucket, key string, body []byte) error
}

// GetInput names a range of an object.
type GetInput struct {
	Bucket, Key, VersionID string
	Start, Length          int64
}

// Object is a range of an object's bytes; the caller closes Body.
type Object struct {
	Body io.ReadCloser
	// Size is the size of the whole object, not of the range.
	Size int64
}

// ListInput is a ListObjectsV2 request.
type ListInput struct {
	Bucket, Prefix, Delimiter, StartAfter, ContinuationToken string
	MaxKeys                                                  int64
}

// ListPage is a page of ListObjectsV2.
type ListPage struct {
	Contents              []ObjectInfo
	NextContinuationToken string
	IsTruncated           bool
}

// ObjectInfo is one object a listing returned.
type ObjectInfo struct {
	Key          string
	Size         int64
	ETag         string
	LastModified time.Time
	StorageClass string
}

// Error is an error S3 answered, with its code (NoSuchKey, NoSuchBucket, AccessDenied...).
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// describe words an S3 failure for a cause.
func describe(action, bucket, key string, err error) string {
	var se *Error
	what := fmt.Sprintf("S3 %s of bucket %q", action, bucket)
	if key != "" {
		what = fmt.Sprintf("S3 %s of s3://%s/%s", action, bucket, key)
	}
	if errors.As(err, &se) {
		return what + " failed: " + se.Error()
	}
	return what + " failed: " + err.Error()
}

// DefaultChunkSize is how many bytes each ranged GetObject asks for.
const DefaultChunkSize = 8 << 20

// rangeReader reads an object as a stream of ranged GetObject calls, one chunk at a time.
type rangeReader struct {
	ctx   context.Context
	s3    Objects
	in    GetInput
	chunk int64
	off   int64
	size  int64 // -1 until the first answer
	body  io.ReadCloser
	err   error
}

func newRangeReader(ctx context.Context, s3 Objects, bucket, key, version string, chunk int64) *rangeReader {
	if chunk <= 0 {
		chunk = DefaultChunkSize
	}
	return &rangeReader{ctx: ctx, s3: s3, in: GetInput{Bucket: bucket, Key: key, VersionID: version}, chunk: chunk, size: -1}
}

func (r *rangeReader) Read(p []byte) (int, error) {
	for {
		if r.err != nil {
			return 0, r.err
		}
		if r.body == nil {
			if r.size >= 0 && r.off >= r.size {
				return 0, io.EOF
			}
			in := r.in
			in.Start, in.Length = r.off, r.chunk
			o, err := r.s3.GetObject(r.ctx, in)
			var se *Error
			if err != nil && r.off == 0 && errors.As(err, &se) && se.Code == "InvalidRange" {
				// S3 refuses any range of an empty object.
				r.size = 0
				return 0, io.EOF
			}
			if err != nil {
				r.err = &getError{err: err}
				return 0, r.err
			}
			r.body, r.size = o.Body, o.Size
			if r.size == 0 {
				r.body.Close()
				r.body = nil
				return 0, io.EOF
			}
		}
		n, err := r.body.Read(p)
		r.off += int64(n)
		if err == io.EOF {
			r.body.Close()
			r.body = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			r.err = err
		}
		return n, err
	}
}

func (r *rangeReader) Close() error {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
	return nil
}

// getError marks a failure of S3 itself, as opposed to a parse error of what it returned.
type getError struct{ err error }

func (e *getError) Error() string { return e.err.Error() }
func (e *getError) Unwrap() error { return e.err }
