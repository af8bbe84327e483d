package conformance

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// TestThroughAPI: cases run through the Step Functions API of a server get the verdicts they
// get in process (a Parallel state's among them).
func TestThroughAPI(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepwise.db"))
	if err != nil {
		t.Fatal(err)
	}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: noTasks{},
		LeaseTTL: time.Second, Poll: 20 * time.Millisecond})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { node.Run(runCtx); close(done) }()
	srv := httptest.NewServer(&api.Server{Store: st, Node: node, Region: "us-east-1", Account: "123456789012", Tasks: noTasks{}})
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		st.Close()
	})

	all, err := LoadCases(os.DirFS("corpus"), ".")
	if err != nil {
		t.Fatal(err)
	}
	var cases []*Case
	for _, c := range all {
		if c.Area == "scenarios" && (strings.Contains(c.ID, "parallel_state_order") || strings.Contains(c.ID, "test_wait")) ||
			c.Area == "base" && len(cases) < 6 || c.Area == "context_object" {
			cases = append(cases, c)
		}
	}
	if len(cases) < 8 {
		t.Fatalf("only %d cases chosen", len(cases))
	}
	a := &API{URL: srv.URL, Role: "arn:aws:iam::123456789012:role/conformance"}
	viaAPI := Run(ctx, cases, Options{Run: a.Run, Parallel: 4})
	inProcess := Run(ctx, cases, Options{})
	for i, v := range viaAPI.Verdicts {
		w := inProcess.Verdicts[i]
		if v.Result != w.Result || v.History != w.History || v.Order != w.Order {
			t.Errorf("%s: through the API %+v, in process %+v", v.ID, v, w)
		}
	}
	if _, r, h, _ := viaAPI.Counts(); r == 0 || h == 0 {
		t.Errorf("nothing matched through the API:\n%s", viaAPI.Summary(20))
	}
}
