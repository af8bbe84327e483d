package s3items

import (
	"context"
	"encoding/json"
	"errors"
)

// listItem is what a listObjectsV2 reader gives a child: AWS spells the ETag "Etag" and gives
// LastModified in epoch seconds.
type listItem struct {
	Etag         string `json:"Etag"`
	Key          string `json:"Key"`
	LastModified int64  `json:"LastModified"`
	Size         int64  `json:"Size"`
	StorageClass string `json:"StorageClass"`
}

// listObjects reads every object under the Prefix, a page of at most 1,000 at a time.
func (h *Handler) listObjects(ctx context.Context, p readerParams, out *sink) error {
	in := ListInput{Bucket: p.Bucket, Prefix: p.Prefix, Delimiter: p.Delimiter, StartAfter: p.StartAfter, MaxKeys: p.MaxKeys}
	if in.MaxKeys <= 0 || in.MaxKeys > 1000 {
		in.MaxKeys = 1000
	}
	for {
		page, err := h.S3.ListObjectsV2(ctx, in)
		if err != nil {
			return errors.New(describe("ListObjectsV2", p.Bucket, "", err))
		}
		for _, o := range page.Contents {
			sc := o.StorageClass
			if sc == "" {
				sc = "STANDARD"
			}
			b, _ := json.Marshal(listItem{Etag: o.ETag, Key: o.Key, LastModified: o.LastModified.Unix(), Size: o.Size, StorageClass: sc})
			if err := out.add(b); err != nil {
				return err
			}
		}
		if !page.IsTruncated || page.NextContinuationToken == "" {
			return nil
		}
		in.ContinuationToken, in.StartAfter = page.NextContinuationToken, ""
	}
}
