package s3items

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// inventoryManifest is the manifest.json of an S3 Inventory report.
type inventoryManifest struct {
	SourceBucket      string `json:"sourceBucket"`
	DestinationBucket string `json:"destinationBucket"`
	FileFormat        string `json:"fileFormat"`
	FileSchema        string `json:"fileSchema"`
	Files             []struct {
		Key  string `json:"key"`
		Size int64  `json:"size"`
	} `json:"files"`
}

// readManifest reads the items of an S3 Inventory: manifest.json names CSV data files (gzip
// compressed when their key ends in .gz) in the destination bucket, their columns named by
// fileSchema. Each row becomes an object of strings keyed by the schema's names.
func (h *Handler) readManifest(ctx context.Context, r io.Reader, p readerParams, out *sink) error {
	var m inventoryManifest
	// A manifest is small (a list of data files); it is decoded whole.
	if err := json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(&m); err != nil {
		var ge *getError
		if errors.As(err, &ge) {
			return ge
		}
		return fmt.Errorf("the manifest is not a valid S3 Inventory manifest: %v", err)
	}
	if m.FileFormat != "" && !strings.EqualFold(m.FileFormat, "CSV") {
		return fmt.Errorf("the S3 Inventory manifest's fileFormat is %s; a Distributed Map reads CSV inventories", m.FileFormat)
	}
	var schema []string
	for _, f := range strings.Split(m.FileSchema, ",") {
		if f = strings.TrimSpace(f); f != "" {
			schema = append(schema, f)
		}
	}
	if len(schema) == 0 {
		return errors.New("the S3 Inventory manifest has no fileSchema")
	}
	bucket := m.DestinationBucket
	if i := strings.LastIndex(bucket, ":::"); i >= 0 {
		bucket = bucket[i+3:]
	}
	if bucket == "" {
		bucket = p.Bucket
	}
	for _, f := range m.Files {
		if err := h.readInventoryFile(ctx, bucket, f.Key, schema, out); err != nil {
			return err
		}
	}
	return nil
}

func (h *Handler) readInventoryFile(ctx context.Context, bucket, key string, schema []string, out *sink) error {
	rr := newRangeReader(ctx, h.S3, bucket, key, "", h.ChunkSize)
	defer rr.Close()
	var r io.Reader = rr
	if strings.HasSuffix(key, ".gz") {
		zr, err := gzip.NewReader(rr)
		if err != nil {
			var ge *getError
			if errors.As(err, &ge) {
				return errors.New(describe("GetObject", bucket, key, ge.err))
			}
			return fmt.Errorf("the inventory file s3://%s/%s is not gzip: %v", bucket, key, err)
		}
		defer zr.Close()
		r = zr
	}
	err := readCSV(r, csvConfig{delim: ',', headers: schema}, out)
	var ge *getError
	if errors.As(err, &ge) {
		return errors.New(describe("GetObject", bucket, key, ge.err))
	}
	return err
}
