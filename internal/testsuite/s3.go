package testsuite

import (
	"bytes"
	"context"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/integration/s3items"
)

// memS3 is the S3 of a test file's s3: (File.S3), in memory, for its Distributed Maps' reads
// (ItemReader) and writes (ResultWriter): each test gets a copy of its own, so that what one
// test's Map writes is not what another's reads. It answers as S3 does the few calls a
// Distributed Map makes (s3items.Objects), with S3's error codes.
//
// It is written here rather than taken from an S3 emulator (the tests use gofakes3) so that
// the stepwise binary carries no S3 server for a map of a few objects.
type memS3 struct {
	at time.Time // every object's LastModified

	mu      sync.Mutex
	buckets map[string]map[string][]byte
	meta    map[string]objectMeta // by bucket/key, for the objects the S3 API put (s3rest.go)
}

// newMemS3 holds the objects of s3: by bucket; a key "" declares the bucket alone.
func newMemS3(objects map[string]map[string][]byte, at time.Time) *memS3 {
	m := &memS3{at: at, buckets: map[string]map[string][]byte{}}
	for bucket, keys := range objects {
		m.buckets[bucket] = map[string][]byte{}
		for key, body := range keys {
			if key != "" {
				m.buckets[bucket][key] = body
			}
		}
	}
	return m
}

// contents are the objects by bucket and key, as they are now.
func (m *memS3) contents() map[string]map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]map[string][]byte, len(m.buckets))
	for bucket, keys := range m.buckets {
		out[bucket] = maps.Clone(keys)
	}
	return out
}

func noSuchBucket() error {
	return &s3items.Error{Code: "NoSuchBucket", Message: "The specified bucket does not exist"}
}

// GetObject implements s3items.Objects.
func (m *memS3) GetObject(ctx context.Context, in s3items.GetInput) (*s3items.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys, ok := m.buckets[in.Bucket]
	if !ok {
		return nil, noSuchBucket()
	}
	body, ok := keys[in.Key]
	if !ok {
		return nil, &s3items.Error{Code: "NoSuchKey", Message: "The specified key does not exist."}
	}
	size := int64(len(body))
	if in.Start > 0 && in.Start >= size {
		return nil, &s3items.Error{Code: "InvalidRange", Message: "The requested range is not satisfiable"}
	}
	end := size
	if in.Length > 0 {
		end = min(size, in.Start+in.Length)
	}
	return &s3items.Object{Body: io.NopCloser(bytes.NewReader(body[in.Start:end])), Size: size}, nil
}

// ListObjectsV2 implements s3items.Objects: the keys under the prefix in order, after
// StartAfter or the continuation token (the last key of the page before), MaxKeys of them
// (1,000 when 0); with a delimiter, the keys in "folders" below the prefix are left out, as
// S3 gives them as CommonPrefixes instead.
func (m *memS3) ListObjectsV2(ctx context.Context, in s3items.ListInput) (*s3items.ListPage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys, ok := m.buckets[in.Bucket]
	if !ok {
		return nil, noSuchBucket()
	}
	after := in.StartAfter
	if in.ContinuationToken != "" {
		after = in.ContinuationToken
	}
	limit := int(in.MaxKeys)
	if limit <= 0 {
		limit = 1000
	}
	page := &s3items.ListPage{}
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		rest, under := strings.CutPrefix(key, in.Prefix)
		if !under || key <= after || (in.Delimiter != "" && strings.Contains(rest, in.Delimiter)) {
			continue
		}
		if len(page.Contents) == limit {
			page.IsTruncated = true
			page.NextContinuationToken = page.Contents[limit-1].Key
			break
		}
		page.Contents = append(page.Contents, s3items.ObjectInfo{Key: key, Size: int64(len(keys[key])),
			ETag: etag(keys[key]), LastModified: m.at, StorageClass: "STANDARD"})
	}
	return page, nil
}

// PutObject implements s3items.Objects.
func (m *memS3) PutObject(ctx context.Context, bucket, key string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys, ok := m.buckets[bucket]
	if !ok {
		return noSuchBucket()
	}
	keys[key] = bytes.Clone(body)
	return nil
}
