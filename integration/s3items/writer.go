package s3items

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/engine"
)

// MaxResultFileBytes bounds one result file; more results go to the next file of the same
// status (SUCCEEDED_0.json, SUCCEEDED_1.json...). AWS's bound is S3's 5 GB per object.
var MaxResultFileBytes int64 = 5 << 30

// writerParams are the ResultWriter's resolved Parameters (or Arguments).
type writerParams struct {
	Bucket string `json:"Bucket"`
	Prefix string `json:"Prefix"`
}

// resultFile is an entry of manifest.json's ResultFiles.
type resultFile struct {
	Key  string `json:"Key"`
	Size int64  `json:"Size"`
}

// manifest is the manifest.json a ResultWriter writes last.
type manifest struct {
	DestinationBucket string                  `json:"DestinationBucket"`
	MapRunArn         string                  `json:"MapRunArn"`
	ResultFiles       map[string][]resultFile `json:"ResultFiles"`
}

// childRecord is a child execution as a result file reports it (Transformation NONE, and
// every failed child whatever the Transformation).
type childRecord struct {
	ExecutionArn        string         `json:"ExecutionArn"`
	Input               string         `json:"Input"`
	InputDetails        map[string]any `json:"InputDetails"`
	Name                string         `json:"Name"`
	Output              *string        `json:"Output,omitempty"`
	OutputDetails       map[string]any `json:"OutputDetails,omitempty"`
	Error               *string        `json:"Error,omitempty"`
	Cause               *string        `json:"Cause,omitempty"`
	RedriveCount        int            `json:"RedriveCount"`
	RedriveStatus       string         `json:"RedriveStatus"`
	RedriveStatusReason string         `json:"RedriveStatusReason"`
	StartDate           string         `json:"StartDate"`
	StateMachineArn     string         `json:"StateMachineArn"`
	Status              string         `json:"Status"`
	StopDate            string         `json:"StopDate"`
}

const dateLayout = "2006-01-02T15:04:05.000Z"

func (h *Handler) write(ctx context.Context, t *engine.Task) (string, error) {
	var p writerParams
	if err := json.Unmarshal([]byte(t.Parameters), &p); err != nil || p.Bucket == "" {
		return "", errors.New("the ResultWriter's parameters must give a Bucket")
	}
	var cfg engine.WriterConfig
	if err := json.Unmarshal([]byte(t.Config), &cfg); err != nil {
		return "", fmt.Errorf("the ResultWriter's configuration is not valid: %v", err)
	}
	runID := cfg.MapRunArn[strings.LastIndexByte(cfg.MapRunArn, ':')+1:]
	base := runID
	if prefix := strings.TrimSuffix(p.Prefix, "/"); prefix != "" {
		base = prefix + "/" + runID
	}
	m := manifest{DestinationBucket: p.Bucket, MapRunArn: cfg.MapRunArn,
		ResultFiles: map[string][]resultFile{"SUCCEEDED": {}, "FAILED": {}, "PENDING": {}}}
	smArn := engine.MapRunStateMachineArn(cfg.MapRunArn)
	jsonl := strings.EqualFold(cfg.OutputType, "JSONL")
	for _, status := range []string{"SUCCEEDED", "FAILED"} {
		var entries [][]byte
		for _, r := range cfg.Results {
			st := "FAILED"
			if r.Status == engine.Succeeded {
				st = "SUCCEEDED"
			}
			if st != status {
				continue
			}
			es, err := entriesOf(r, smArn, cfg.Transformation)
			if err != nil {
				return "", err
			}
			entries = append(entries, es...)
		}
		if len(entries) == 0 {
			continue
		}
		files, err := h.putFiles(ctx, p.Bucket, base+"/"+status, entries, jsonl)
		if err != nil {
			return "", err
		}
		m.ResultFiles[status] = files
	}
	body, _ := json.Marshal(m)
	key := base + "/manifest.json"
	if err := h.S3.PutObject(ctx, p.Bucket, key, body); err != nil {
		return "", errors.New(describe("PutObject", p.Bucket, key, err))
	}
	out, _ := json.Marshal(map[string]string{"Bucket": p.Bucket, "Key": key})
	return string(out), nil
}

// entriesOf is what a child contributes to its file: its record, or with COMPACT its output
// (with FLATTEN, an array output's elements), when it succeeded.
func entriesOf(r engine.ChildResult, smArn, transformation string) ([][]byte, error) {
	if r.Status == engine.Succeeded && r.Output != nil && (transformation == "COMPACT" || transformation == "FLATTEN") {
		out := []byte(*r.Output)
		if transformation == "FLATTEN" {
			var arr []json.RawMessage
			if json.Unmarshal(out, &arr) == nil {
				es := make([][]byte, len(arr))
				for i, a := range arr {
					es[i] = a
				}
				return es, nil
			}
		}
		return [][]byte{out}, nil
	}
	rec := childRecord{ExecutionArn: r.ExecutionArn, Input: r.Input, InputDetails: map[string]any{"Included": true},
		Name: r.ExecutionArn[strings.LastIndexByte(r.ExecutionArn, ':')+1:], StateMachineArn: smArn, Status: string(r.Status),
		StartDate: r.StartDate.UTC().Format(dateLayout), StopDate: stopDate(r.StopDate)}
	if r.Status == engine.Succeeded {
		rec.Output, rec.OutputDetails = r.Output, map[string]any{"Included": true}
		rec.RedriveStatus, rec.RedriveStatusReason = "NOT_REDRIVABLE", "Execution is SUCCEEDED and cannot be redriven"
	} else {
		rec.Error, rec.Cause = r.Error, r.Cause
		rec.RedriveStatus, rec.RedriveStatusReason = "REDRIVABLE_BY_MAP_RUN", "Execution can be redriven by its Map Run"
	}
	b, err := json.Marshal(rec)
	return [][]byte{b}, err
}

func stopDate(t time.Time) string { return t.UTC().Format(dateLayout) }

// putFiles writes entries as NAME_0.json, NAME_1.json..., each a JSON array (or JSON Lines)
// of at most MaxResultFileBytes.
func (h *Handler) putFiles(ctx context.Context, bucket, name string, entries [][]byte, jsonl bool) ([]resultFile, error) {
	var files []resultFile
	var buf bytes.Buffer
	count := 0
	flush := func() error {
		if !jsonl {
			buf.WriteByte(']')
		}
		key := fmt.Sprintf("%s_%d.json", name, len(files))
		if err := h.S3.PutObject(ctx, bucket, key, buf.Bytes()); err != nil {
			return errors.New(describe("PutObject", bucket, key, err))
		}
		files = append(files, resultFile{Key: key, Size: int64(buf.Len())})
		buf.Reset()
		count = 0
		return nil
	}
	for _, e := range entries {
		if count > 0 && int64(buf.Len()+len(e)+2) > MaxResultFileBytes {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		switch {
		case jsonl:
			buf.Write(e)
			buf.WriteByte('\n')
		case count == 0:
			buf.WriteByte('[')
			buf.Write(e)
		default:
			buf.WriteByte(',')
			buf.Write(e)
		}
		count++
	}
	if count > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return files, nil
}
