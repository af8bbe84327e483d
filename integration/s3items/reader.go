package s3items

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// Handler runs a Distributed Map's ItemReader and ResultWriter tasks against S3.
type Handler struct {
	S3 Objects
	// ChunkSize is how many bytes each ranged read asks for (DefaultChunkSize when 0).
	ChunkSize int64
}

// Handles reports whether t is a Distributed Map's read or write.
func (h *Handler) Handles(t *engine.Task) bool {
	return t.Kind == engine.TaskItemReader || t.Kind == engine.TaskResultWriter
}

// RunTask reads the items (a JSON array) or writes the results (the ResultWriterDetails).
func (h *Handler) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	switch t.Kind {
	case engine.TaskItemReader:
		out, err := h.read(ctx, t)
		if err != nil {
			return "", readerFailed(err)
		}
		return out, nil
	case engine.TaskResultWriter:
		out, err := h.write(ctx, t)
		if err != nil {
			return "", &runner.TaskError{Name: "States.ResultWriterFailed", Cause: err.Error()}
		}
		return out, nil
	}
	return "", &runner.TaskError{Name: "States.Runtime", Cause: "s3items does not run " + t.Resource}
}

func readerFailed(err error) error {
	var te *runner.TaskError
	if errors.As(err, &te) {
		return te
	}
	return &runner.TaskError{Name: "States.ItemReaderFailed", Cause: err.Error()}
}

// readerParams are the ItemReader's resolved Parameters (or Arguments).
type readerParams struct {
	Bucket     string `json:"Bucket"`
	Key        string `json:"Key"`
	VersionID  string `json:"VersionId"`
	Prefix     string `json:"Prefix"`
	Delimiter  string `json:"Delimiter"`
	StartAfter string `json:"StartAfter"`
	MaxKeys    int64  `json:"MaxKeys"`
}

// readerConfig is the ReaderConfig the engine passes on, MaxItems resolved.
type readerConfig struct {
	InputType         string          `json:"InputType"`
	CSVHeaderLocation string          `json:"CSVHeaderLocation"`
	CSVHeaders        json.RawMessage `json:"CSVHeaders"`
	CSVDelimiter      string          `json:"CSVDelimiter"`
	ItemsPointer      *string         `json:"ItemsPointer"`
	MaxItems          int64           `json:"MaxItems"`
}

func (h *Handler) read(ctx context.Context, t *engine.Task) (string, error) {
	var p readerParams
	if err := json.Unmarshal([]byte(t.Parameters), &p); err != nil {
		return "", fmt.Errorf("the ItemReader's parameters are not valid: %v", err)
	}
	var cfg readerConfig
	if t.Config != "" {
		if err := json.Unmarshal([]byte(t.Config), &cfg); err != nil {
			return "", fmt.Errorf("the ReaderConfig is not valid: %v", err)
		}
	}
	if p.Bucket == "" {
		return "", errors.New("the ItemReader's parameters must give a Bucket")
	}
	out := newSink(cfg.MaxItems)
	action := actionOf(t)
	var err error
	switch action {
	case "listObjectsV2":
		err = h.listObjects(ctx, p, out)
	case "getObject":
		if p.Key == "" {
			return "", errors.New("the ItemReader's parameters must give a Key")
		}
		err = h.getObject(ctx, p, cfg, out)
	default:
		return "", fmt.Errorf("Stepwise cannot read items from %s: an ItemReader's Resource is arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2", t.Resource)
	}
	if err != nil && !errors.Is(err, errFull) {
		var ge *getError
		if errors.As(err, &ge) {
			return "", errors.New(describe("GetObject", p.Bucket, p.Key, ge.err))
		}
		return "", err
	}
	return out.close(), nil
}

// actionOf is the S3 action of a task's Resource, arn:aws:states:::s3:<action>.
func actionOf(t *engine.Task) string {
	r := t.Resource
	if i := strings.LastIndexByte(r, ':'); i >= 0 {
		r = r[i+1:]
	}
	return r
}

func (h *Handler) getObject(ctx context.Context, p readerParams, cfg readerConfig, out *sink) error {
	r := newRangeReader(ctx, h.S3, p.Bucket, p.Key, p.VersionID, h.ChunkSize)
	defer r.Close()
	switch strings.ToUpper(cfg.InputType) {
	case "JSON":
		return readJSON(r, cfg.ItemsPointer, out)
	case "JSONL":
		return readJSONL(r, out)
	case "CSV":
		c, err := csvOptions(cfg)
		if err != nil {
			return err
		}
		return readCSV(r, c, out)
	case "MANIFEST":
		return h.readManifest(ctx, r, p, out)
	case "":
		return errors.New("the ItemReader's ReaderConfig must give an InputType for arn:aws:states:::s3:getObject")
	default:
		return fmt.Errorf("Stepwise does not read the InputType %s (it reads JSON, JSONL, CSV and MANIFEST)", cfg.InputType)
	}
}

// errFull stops a reader once MaxItems items were read.
var errFull = errors.New("MaxItems items were read")

// sink collects items as the JSON array the engine receives, stopping at max items. A
// strings.Builder hands its text over without the copy a bytes.Buffer would make.
type sink struct {
	buf strings.Builder
	n   int64
	max int64 // 0: no limit
}

func newSink(max int64) *sink {
	s := &sink{max: max}
	s.buf.WriteByte('[')
	return s
}

// add appends one item given as JSON text; it returns errFull when no more are wanted.
func (s *sink) add(item []byte) error {
	if s.max > 0 && s.n >= s.max {
		return errFull
	}
	if s.n > 0 {
		s.buf.WriteByte(',')
	}
	s.buf.Write(item)
	s.n++
	if s.max > 0 && s.n >= s.max {
		return errFull
	}
	return nil
}

func (s *sink) close() string {
	s.buf.WriteByte(']')
	return s.buf.String()
}

// notIterable is AWS's cause when a JSON object's top level is not an array.
const notIterable = "Attempting to map over non-iterable node."

// readJSON reads a JSON array element by element. With ItemsPointer (a JSON Pointer) the
// array is found inside the document, which is then decoded whole.
func readJSON(r io.Reader, pointer *string, out *sink) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if pointer != nil && *pointer != "" && *pointer != "/" {
		var doc any
		if err := dec.Decode(&doc); err != nil {
			return fmt.Errorf("the JSON object is not valid JSON: %v", err)
		}
		v, err := resolvePointer(doc, *pointer)
		if err != nil {
			return err
		}
		items, ok := v.([]any)
		if !ok {
			return errors.New(notIterable)
		}
		for _, it := range items {
			b, _ := json.Marshal(it)
			if err := out.add(b); err != nil {
				return err
			}
		}
		return nil
	}
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("the JSON object is not valid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return errors.New(notIterable)
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("the JSON object is not valid JSON: %v", err)
		}
		if err := out.add(compact(raw)); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("the JSON object is not valid JSON: %v", err)
	}
	return nil
}

func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// resolvePointer follows an RFC 6901 JSON Pointer.
func resolvePointer(doc any, ptr string) (any, error) {
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("the ItemsPointer %q is not a JSON Pointer (it starts with /)", ptr)
	}
	v := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("the ItemsPointer %q names nothing in the JSON object", ptr)
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("the ItemsPointer %q names nothing in the JSON object", ptr)
			}
			v = c[i]
		default:
			return nil, fmt.Errorf("the ItemsPointer %q names nothing in the JSON object", ptr)
		}
	}
	return v, nil
}

// maxLine bounds a JSON Lines line (AWS bounds an item by the 256 KiB of a child's input).
const maxLine = 8 << 20

// readJSONL reads one JSON value per line; blank lines are skipped.
func readJSONL(r io.Reader, out *sink) error {
	return eachLine(r, func(n int, line []byte) error {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			return nil
		}
		if !json.Valid(line) {
			return fmt.Errorf("line %d of the JSONL object is not valid JSON", n)
		}
		return out.add(compact(line))
	})
}

// eachLine calls fn with each line of r (without its \n or \r\n), numbered from 1.
func eachLine(r io.Reader, fn func(n int, line []byte) error) error {
	br := newLineReader(r)
	for n := 1; ; n++ {
		line, err := br.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
}
