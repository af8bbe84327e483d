package s3items_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/integration/s3items/s3itemstest"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// A Distributed Map that reads a CSV object and writes its results to S3, its children each
// running a task.
const durableDef = `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"Label":"L","MaxConcurrency":2,
	"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},
		"Parameters":{"Bucket":"in","Key.$":"$.key"}},
	"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"runs"}},
	"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T",
		"States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}}}}`

func durableStore(t *testing.T) (store.Store, *store.StateMachine) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "stepwise.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC()
	sm := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", Name: "m", Type: "STANDARD",
		Definition: durableDef, RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "1", Config: "{}",
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateStateMachine(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
	return st, sm
}

// countingObjects counts the reads of the input object.
type countingObjects struct {
	*s3itemstest.Mem
	lists atomic.Int64
}

func startNode(t *testing.T, st store.Store, owner string, tasks runner.TaskHandler) (*runner.Node, context.CancelFunc, chan struct{}) {
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: tasks,
		Owner: owner, LeaseTTL: 600 * time.Millisecond, Poll: 30 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { node.Run(ctx); close(done) }()
	return node, cancel, done
}

func echoPayload(ctx context.Context, t *engine.Task) (string, error) {
	var p struct{ Payload any }
	json.Unmarshal([]byte(t.Parameters), &p)
	b, _ := json.Marshal(map[string]any{"StatusCode": 200, "Payload": p.Payload})
	return string(b), nil
}

// The durable runner reads the items, runs the children, writes the results, and a node that
// takes over a running execution uses the items the first one read: changing the object after
// the read changes nothing.
func TestDurableRunner(t *testing.T) {
	st, sm := durableStore(t)
	mem := s3itemstest.New("in", "out")
	if err := mem.Put("in", "data.csv", []byte("id,name\n1,a\n2,b\n3,c\n")); err != nil {
		t.Fatal(err)
	}
	h := &s3items.Handler{S3: mem}
	// The first node's tasks never answer: the execution stops with its children waiting.
	block := runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	node1, stop1, done1 := startNode(t, st, "node-1", &integration.Registry{Store: st, MapS3: h, Fallback: block})
	ex, err := node1.Start(context.Background(), runner.StartRequest{StateMachine: sm, Name: "e1", Input: `{"key":"data.csv"}`})
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the run has its items (its record counts them).
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, _, err := st.ListMapRuns(context.Background(), ex.Arn, store.Page{})
		if err == nil && len(runs) == 1 {
			var rec engine.MapRunRecord
			json.Unmarshal([]byte(runs[0].Record), &rec)
			if rec.Counts.Total == 3 && rec.Counts.Running == 2 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the map run did not start its children")
		}
		time.Sleep(20 * time.Millisecond)
	}
	gets := mem.Gets
	stop1()
	<-done1
	// The object changes; the second node must not read it again.
	if err := mem.Put("in", "data.csv", []byte("id,name\n9,z\n")); err != nil {
		t.Fatal(err)
	}
	_, stop2, done2 := startNode(t, st, "node-2", &integration.Registry{Store: st, MapS3: h, Fallback: runner.TaskFunc(echoPayload)})
	defer func() { stop2(); <-done2 }()
	var final *store.Execution
	for deadline = time.Now().Add(15 * time.Second); ; {
		final, err = st.GetExecution(context.Background(), ex.Arn)
		if err != nil {
			t.Fatal(err)
		}
		if final.Status != "RUNNING" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the execution did not end on the second node")
		}
		time.Sleep(30 * time.Millisecond)
	}
	if final.Status != "SUCCEEDED" || final.Output == nil {
		t.Fatalf("%s %v %v", final.Status, final.Error, final.Cause)
	}
	if mem.Gets != gets {
		t.Fatalf("the object was read again after the takeover: %d reads, then %d", gets, mem.Gets)
	}
	var out struct {
		MapRunArn           string
		ResultWriterDetails struct{ Bucket, Key string }
	}
	if err := json.Unmarshal([]byte(*final.Output), &out); err != nil || out.ResultWriterDetails.Bucket != "out" {
		t.Fatalf("output %s (%v)", *final.Output, err)
	}
	man, err := mem.Get("out", out.ResultWriterDetails.Key)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		MapRunArn   string
		ResultFiles map[string][]struct{ Key string }
	}
	json.Unmarshal(man, &m)
	if m.MapRunArn != out.MapRunArn || len(m.ResultFiles["SUCCEEDED"]) != 1 {
		t.Fatalf("manifest %s", man)
	}
	body, _ := mem.Get("out", m.ResultFiles["SUCCEEDED"][0].Key)
	var rs []struct{ Output string }
	json.Unmarshal(body, &rs)
	var ids []string
	for _, r := range rs {
		var o map[string]string
		json.Unmarshal([]byte(r.Output), &o)
		ids = append(ids, o["id"])
	}
	if len(ids) != 3 || ids[0] != "1" || ids[2] != "3" {
		t.Fatalf("results %s", body)
	}
}

// Without S3 configured, a reader fails as AWS fails one.
func TestRegistryWithoutS3(t *testing.T) {
	r := &integration.Registry{}
	_, err := r.RunTask(context.Background(), &engine.Task{Kind: engine.TaskItemReader, Resource: "arn:aws:states:::s3:getObject"})
	if te, ok := err.(*runner.TaskError); !ok || te.Name != "States.ItemReaderFailed" {
		t.Fatalf("%v", err)
	}
}
