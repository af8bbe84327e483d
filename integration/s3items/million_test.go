package s3items_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/integration/s3items/s3itemstest"
)

// vmHWM is the process's peak resident set in KiB (Linux).
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			n, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			return n
		}
	}
	return -1
}

// TestMillionLineCSV measures reading a 1,000,000-line CSV from the in-memory S3 and the
// engine decoding the items. STEPWISE_MEASURE=1 runs it (it takes a few seconds and ~1 GB).
func TestMillionLineCSV(t *testing.T) {
	if os.Getenv("STEPWISE_MEASURE") == "" {
		t.Skip("STEPWISE_MEASURE=1 runs the measurement")
	}
	const lines = 1_000_000
	var body bytes.Buffer
	body.WriteString("id,name,email,amount\n")
	for i := 0; i < lines; i++ {
		body.WriteString(strconv.Itoa(i))
		body.WriteString(",name-")
		body.WriteString(strconv.Itoa(i))
		body.WriteString(",user")
		body.WriteString(strconv.Itoa(i))
		body.WriteString("@example.com,")
		body.WriteString(strconv.Itoa(i * 7 % 10000))
		body.WriteString(".25\n")
	}
	size := body.Len()
	mem := s3itemstest.New("b")
	if err := mem.Put("b", "big.csv", body.Bytes()); err != nil {
		t.Fatal(err)
	}
	body = bytes.Buffer{}
	runtime.GC()
	before := vmHWM()
	h := &s3items.Handler{S3: mem}
	task := &engine.Task{Kind: engine.TaskItemReader, Resource: getObject, Parameters: `{"Bucket":"b","Key":"big.csv"}`, Config: `{"InputType":"CSV"}`}
	start := time.Now()
	out, err := h.RunTask(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	read := time.Since(start)
	afterRead := vmHWM()
	start = time.Now()
	v, err := value.DecodeString(out)
	if err != nil {
		t.Fatal(err)
	}
	decode := time.Since(start)
	items := v.([]any)
	if len(items) != lines {
		t.Fatalf("%d items", len(items))
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("object %.1f MB, %d ranged reads of %d MB", float64(size)/1e6, mem.Gets, s3items.DefaultChunkSize>>20)
	t.Logf("read+parse: %v, %.0f items/s; output JSON %.1f MB", read, lines/read.Seconds(), float64(len(out))/1e6)
	t.Logf("engine decode of the items: %v; live heap with the items decoded: %.0f MB", decode, float64(ms.HeapAlloc)/1e6)
	t.Logf("peak RSS: %d MB before the read (the S3 backend holds the object), %d MB after the read, %d MB after the decode",
		before>>10, afterRead>>10, vmHWM()>>10)
	runtime.KeepAlive(items)
}

func BenchmarkReadCSV(b *testing.B) {
	var body bytes.Buffer
	body.WriteString("id,name,amount\n")
	for i := 0; i < 100_000; i++ {
		body.WriteString(strconv.Itoa(i) + ",name-" + strconv.Itoa(i) + ",12.5\n")
	}
	mem := s3itemstest.New("b")
	mem.Put("b", "k", body.Bytes())
	h := &s3items.Handler{S3: mem}
	task := &engine.Task{Kind: engine.TaskItemReader, Resource: getObject, Parameters: `{"Bucket":"b","Key":"k"}`, Config: `{"InputType":"CSV"}`}
	b.SetBytes(int64(body.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.RunTask(context.Background(), task); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100_000)/b.Elapsed().Seconds(), "items/s")
}
