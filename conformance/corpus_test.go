package conformance

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

var (
	show     = flag.Int("show", envInt("CONFORMANCE_SHOW", 10), "how many differences from AWS to list (env CONFORMANCE_SHOW)")
	only     = flag.String("only", os.Getenv("CONFORMANCE_ONLY"), "run only the cases whose path holds this text (env CONFORMANCE_ONLY)")
	jsonFile = flag.String("json", "", "write every case's verdict to this file")
	endpoint = flag.String("endpoint", os.Getenv("CONFORMANCE_ENDPOINT"), "run the cases through the Step Functions API at this URL instead of in process (env CONFORMANCE_ENDPOINT)")
	all      = flag.Bool("all", false, "also run the cases whose Task states call integrations (with -endpoint)")
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
	opts := Options{Only: *only}
	if *endpoint != "" {
		api := &API{URL: *endpoint, Role: "arn:aws:iam::123456789012:role/conformance"}
		if id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
			api.Creds = &aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: os.Getenv("AWS_SESSION_TOKEN")}
		}
		opts.Run, opts.All, opts.Parallel = api.Run, *all, 4
	}
	began := time.Now()
	rep := Run(context.Background(), cases, opts)
	t.Logf("%d cases in %s\n%s", len(rep.Verdicts), time.Since(began).Round(time.Millisecond), rep.Summary(*show))
	if *jsonFile != "" {
		data, _ := json.MarshalIndent(rep.Verdicts, "", " ")
		if err := os.WriteFile(*jsonFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if *only != "" || *endpoint != "" {
		return // a subset, or another server, says nothing about the floor
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
