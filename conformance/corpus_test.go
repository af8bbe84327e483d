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
// engine, and its copy in AWS's key order (built by OrderCorpus from the corpus and the
// recordings, see order.go), and fails when
// fewer cases match AWS than the floor in .ci/conformance-floor. The floor is a ratchet: raise
// it when the engine improves.
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
	ordered, err := awsOrderCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(ordered) != len(cases) {
		t.Fatalf("the copy in AWS's order holds %d cases, the corpus %d", len(ordered), len(cases))
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
	rep.AWSOrder = Run(context.Background(), ordered, opts).Verdicts
	t.Logf("%d cases (twice: as the corpus stores them, and in AWS's order) in %s\n%s", len(rep.Verdicts), time.Since(began).Round(time.Millisecond), rep.Summary(*show))
	if *jsonFile != "" {
		data, _ := json.MarshalIndent(rep.Verdicts, "", " ")
		if err := os.WriteFile(*jsonFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if *only != "" || *endpoint != "" {
		return // a subset, or another server, says nothing about the floor
	}
	floor, err := ReadFloor("../.ci/conformance-floor")
	if err != nil {
		t.Fatal(err)
	}
	_, r, h, o := rep.Counts()
	now := Floor{r, h, o, rep.AWSOrderCount()}
	t.Logf("conformance floor: %s; now: %s", floor, now)
	if now.Results < floor.Results || now.Histories < floor.Histories || now.Order < floor.Order || now.AWSOrder < floor.AWSOrder {
		t.Errorf("fewer cases match AWS than the floor in .ci/conformance-floor: %s (floor %s); -show N lists the differences", now, floor)
	}
}
