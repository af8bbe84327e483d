package conformance

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"strconv"
	"testing"
	"time"
)

var (
	show     = flag.Int("show", envInt("CONFORMANCE_SHOW", 10), "how many differences from AWS to list (env CONFORMANCE_SHOW)")
	only     = flag.String("only", os.Getenv("CONFORMANCE_ONLY"), "run only the cases whose path holds this text (env CONFORMANCE_ONLY)")
	jsonFile = flag.String("json", "", "write every case's verdict to this file")
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

// TestCorpus runs the AWS conformance corpus (corpus/, see corpus/SOURCE.md) through the
// engine and fails when fewer cases match AWS than the floor in .ci/conformance-floor. The
// floor is a ratchet: raise it when the engine improves.
//
//	go test ./conformance -run Corpus -v -args -show 20
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("the corpus takes a while; not with -short")
	}
	cases, err := LoadCases(os.DirFS("corpus"), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases under corpus/")
	}
	began := time.Now()
	rep := Run(context.Background(), cases, Options{Only: *only})
	t.Logf("%d cases in %s\n%s", len(rep.Verdicts), time.Since(began).Round(time.Millisecond), rep.Summary(*show))
	if *jsonFile != "" {
		data, _ := json.MarshalIndent(rep.Verdicts, "", " ")
		if err := os.WriteFile(*jsonFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if *only != "" {
		return // a subset says nothing about the floor
	}
	floorR, floorH, floorO, err := ReadFloor("../.ci/conformance-floor")
	if err != nil {
		t.Fatal(err)
	}
	_, r, h, o := rep.Counts()
	t.Logf("conformance floor: %d results, %d histories, %d key order; now: %d, %d, %d", floorR, floorH, floorO, r, h, o)
	if r < floorR || h < floorH || o < floorO {
		t.Errorf("fewer cases match AWS than the floor in .ci/conformance-floor: %d results, %d histories, %d key order (floor %d %d %d); -show N lists the differences",
			r, h, o, floorR, floorH, floorO)
	}
}
