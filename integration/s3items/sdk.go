package s3items

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/runner"
)

// CallFunc makes one S3 API call as a model-driven AWS client does: the action in the SDK's
// spelling ("getObject"), PascalCase parameters, and the PascalCase output, an object's Body
// as text. An error naming S3's code (an ErrorCode method, or a *runner.TaskError named
// S3.<Code>) keeps it in the reader's cause.
type CallFunc func(ctx context.Context, action string, params map[string]any) (map[string]any, error)

// SDK implements Objects over a CallFunc; integration/awssdk's client provides one.
type SDK struct {
	Call CallFunc
}

// GetObject implements Objects with a Range request.
func (s SDK) GetObject(ctx context.Context, in GetInput) (*Object, error) {
	p := map[string]any{"Bucket": in.Bucket, "Key": in.Key}
	if in.VersionID != "" {
		p["VersionId"] = in.VersionID
	}
	if in.Start > 0 || in.Length > 0 {
		r := fmt.Sprintf("bytes=%d-", in.Start)
		if in.Length > 0 {
			r += strconv.FormatInt(in.Start+in.Length-1, 10)
		}
		p["Range"] = r
	}
	out, err := s.Call(ctx, "getObject", p)
	if err != nil {
		return nil, sdkError(err)
	}
	body, _ := out["Body"].(string)
	size := int64(len(body))
	if cr, ok := out["ContentRange"].(string); ok {
		// bytes START-END/TOTAL
		if i := strings.LastIndexByte(cr, '/'); i >= 0 {
			if n, err := strconv.ParseInt(cr[i+1:], 10, 64); err == nil {
				size = n
			}
		}
	}
	return &Object{Body: io.NopCloser(strings.NewReader(body)), Size: size}, nil
}

// ListObjectsV2 implements Objects.
func (s SDK) ListObjectsV2(ctx context.Context, in ListInput) (*ListPage, error) {
	p := map[string]any{"Bucket": in.Bucket}
	for k, v := range map[string]string{"Prefix": in.Prefix, "Delimiter": in.Delimiter, "StartAfter": in.StartAfter, "ContinuationToken": in.ContinuationToken} {
		if v != "" {
			p[k] = v
		}
	}
	if in.MaxKeys > 0 {
		p["MaxKeys"] = in.MaxKeys
	}
	out, err := s.Call(ctx, "listObjectsV2", p)
	if err != nil {
		return nil, sdkError(err)
	}
	page := &ListPage{}
	page.IsTruncated, _ = out["IsTruncated"].(bool)
	page.NextContinuationToken, _ = out["NextContinuationToken"].(string)
	contents, _ := out["Contents"].([]any)
	for _, c := range contents {
		m, _ := c.(map[string]any)
		o := ObjectInfo{}
		o.Key, _ = m["Key"].(string)
		o.ETag, _ = m["ETag"].(string)
		o.StorageClass, _ = m["StorageClass"].(string)
		o.Size = toInt(m["Size"])
		switch lm := m["LastModified"].(type) {
		case time.Time:
			o.LastModified = lm
		case string:
			o.LastModified, _ = time.Parse(time.RFC3339Nano, lm)
		default:
			o.LastModified = time.Unix(toInt(lm), 0)
		}
		page.Contents = append(page.Contents, o)
	}
	return page, nil
}

// PutObject implements Objects.
func (s SDK) PutObject(ctx context.Context, bucket, key string, body []byte) error {
	_, err := s.Call(ctx, "putObject", map[string]any{"Bucket": bucket, "Key": key, "Body": string(body)})
	return sdkError(err)
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	case interface{ Int64() (int64, error) }:
		i, _ := n.Int64()
		return i
	}
	return 0
}

// sdkError gives a client's error S3's code when it names one.
func sdkError(err error) error {
	if err == nil {
		return nil
	}
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		return &Error{Code: coded.ErrorCode(), Message: err.Error()}
	}
	var te *runner.TaskError
	if errors.As(err, &te) && strings.HasPrefix(te.Name, "S3.") {
		return &Error{Code: strings.TrimSuffix(strings.TrimPrefix(te.Name, "S3."), "Exception"), Message: te.Cause}
	}
	return err
}
