// Command gen rebuilds the embedded service models (../data) from botocore's data folder,
// the models the AWS CLI and boto3 ship (Apache-2.0):
//
//	go run ./integration/awssdk/model/gen -botocore "$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data"
//
// For each service it takes the newest API version, drops the documentation and the
// constraints nothing here checks (patterns; the service does), keeps the length and range
// constraints (min, max: TestState checks mocked results against them), and writes one gzip file per
// service, named after the service's Step Functions name, and an index of the services with
// their operations.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// dropped are the keys no codec reads.
var dropped = map[string]bool{"documentation": true, "documentationUrl": true, "examples": true,
	"deprecatedMessage": true, "pattern": true, "box": true,
	"wrapper": true, "uid": true, "contextParam": true, "staticContextParams": true,
	"contextParams": true, "operationContextParams": true, "authtype": true, "auth": true,
	"unsignedPayload": true, "requestcompression": true, "httpChecksum": true, "alias": true,
	"deprecatedSince": true, "retryable": true}

func main() {
	dir := flag.String("botocore", "", "botocore's data folder")
	out := flag.String("out", "integration/awssdk/model/data", "where to write the models")
	flag.Parse()
	if *dir == "" {
		log.Fatal("gen: -botocore is required")
	}
	entries, err := os.ReadDir(*dir)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(*out, "*.json.gz"))
	for _, f := range old {
		os.Remove(f)
	}
	var index []*model.IndexEntry
	seen := map[string]string{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		file, err := newest(filepath.Join(*dir, e.Name()))
		if err != nil || file == "" {
			continue
		}
		raw, err := readMaybeGzip(file)
		if err != nil {
			log.Fatal(err)
		}
		// Decode in order so that members keep the model's order.
		var doc ordered
		if err := json.Unmarshal(raw, &doc); err != nil {
			log.Fatalf("%s: %v", file, err)
		}
		strip(&doc)
		var svc model.Service
		if err := json.Unmarshal(raw, &svc); err != nil {
			log.Fatalf("%s: %v", file, err)
		}
		client := model.ClientName(svc.Metadata.ServiceID)
		name := strings.ToLower(client)
		if prev, ok := seen[name]; ok {
			// Two botocore folders of one service (an old and a new name): keep the one
			// whose folder is named like the service.
			if strings.ReplaceAll(prev, "-", "") == name {
				log.Printf("gen: %s and %s both map to %s; keeping %s", prev, e.Name(), name, prev)
				continue
			}
			log.Printf("gen: %s and %s both map to %s; keeping %s", prev, e.Name(), name, e.Name())
			index = slices.DeleteFunc(index, func(x *model.IndexEntry) bool { return x.Name == name })
		}
		seen[name] = e.Name()
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		enc := json.NewEncoder(zw)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			log.Fatal(err)
		}
		zw.Close()
		if err := os.WriteFile(filepath.Join(*out, name+".json.gz"), buf.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		ops := make([]string, 0, len(svc.Operations))
		for op := range svc.Operations {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		index = append(index, &model.IndexEntry{Name: name, ClientName: client, ServiceID: svc.Metadata.ServiceID,
			Protocol: svc.Metadata.Protocol, Operations: ops})
	}
	sort.Slice(index, func(i, j int) bool { return index[i].Name < index[j].Name })
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	json.NewEncoder(zw).Encode(index)
	zw.Close()
	if err := os.WriteFile(filepath.Join(*out, "index.json.gz"), buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("gen: %d services\n", len(index))
}

// newest is the service-2.json of a service's newest API version.
func newest(dir string) (string, error) {
	versions, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var names []string
	for _, v := range versions {
		if v.IsDir() {
			names = append(names, v.Name())
		}
	}
	slices.Sort(names)
	for i := len(names) - 1; i >= 0; i-- {
		for _, f := range []string{"service-2.json", "service-2.json.gz"} {
			p := filepath.Join(dir, names[i], f)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", nil
}

func readMaybeGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	return io.ReadAll(r)
}

// ordered is a JSON value whose objects keep their keys' order.
type ordered struct {
	keys []string
	vals map[string]*ordered
	list []*ordered
	raw  json.RawMessage
	kind byte // '{', '[' or 0 for a scalar
}

func (o *ordered) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch b[0] {
	case '{':
		o.kind = '{'
		o.vals = map[string]*ordered{}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.Token()
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			k := t.(string)
			v := &ordered{}
			if err := dec.Decode(v); err != nil {
				return err
			}
			o.keys = append(o.keys, k)
			o.vals[k] = v
		}
	case '[':
		o.kind = '['
		return json.Unmarshal(b, &o.list)
	default:
		o.raw = append(json.RawMessage(nil), b...)
	}
	return nil
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	switch o.kind {
	case '{':
		buf.WriteByte('{')
		for i, k := range o.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteByte(':')
			vb, err := json.Marshal(o.vals[k])
			if err != nil {
				return nil, err
			}
			buf.Write(vb)
		}
		buf.WriteByte('}')
	case '[':
		buf.WriteByte('[')
		for i, v := range o.list {
			if i > 0 {
				buf.WriteByte(',')
			}
			vb, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			buf.Write(vb)
		}
		buf.WriteByte(']')
	default:
		buf.Write(o.raw)
	}
	return buf.Bytes(), nil
}

// strip drops the keys no codec reads, at every depth. Member names are never dropped: a
// structure's "members" object holds names, not traits.
func strip(o *ordered) {
	stripIn(o, false)
}

func stripIn(o *ordered, names bool) {
	switch o.kind {
	case '{':
		keys := o.keys[:0]
		for _, k := range o.keys {
			if !names && dropped[k] {
				delete(o.vals, k)
				continue
			}
			keys = append(keys, k)
		}
		o.keys = keys
		for _, k := range o.keys {
			stripIn(o.vals[k], !names && (k == "members" || k == "shapes" || k == "operations"))
		}
	case '[':
		for _, v := range o.list {
			stripIn(v, false)
		}
	}
}
