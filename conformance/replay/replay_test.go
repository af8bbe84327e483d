package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/conformance"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/execlog"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/integration/s3items/s3itemstest"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// recordings is the in-repository copy of the recordings (see ../recordings/SOURCE.md).
const recordings = "../recordings"

// A file is one recorded snapshot file and how to replay its tests.
type file struct {
	path string // under recordings
	// scenario returns how to replay the test (its name after the last "::", with its
	// parameters), or why it cannot be replayed.
	scenario func(test string) (run func(r *replay), skip string)
	// known lists the recorded answers Stepwise does not give as AWS recorded them, as
	// "test/key", each with the reason (AWS's own nondeterminism, a service Stepwise does not
	// host). The suite fails when one of them starts to match, so the list stays true.
	known map[string]string
	// limits lists, likewise, the recorded answers that differ because of what the replay runs
	// in AWS's place: a fake service that answers otherwise than AWS (goaws's headers), or the
	// replay's Lambda runtime (its files are not in /var/task). They count as not matched, and
	// outside the 95 % bound, which is Stepwise's; a scenario that declares the difference
	// (r.undoing, r.unchecking) is checked to differ by nothing else.
	limits map[string]string
	// stateless files' tests keep nothing on the server (TestState, validation): one server
	// answers them all.
	stateless bool
	// logs: the server writes execution logs (as serve --execution-logs FILE does), which
	// the test reads with replay.logEvents.
	logs bool
	// lambda: the server runs the Lambda functions the tests deploy (internal/replayfn),
	// functionName, identityName and helloName, as serve --function does.
	lambda bool
	// services files' scenarios start their own Stepwise, with the functions, mocks and fakes
	// of AWS services they need (replay.serve, replay.servePython).
	services bool
	// concurrent files of services run their tests a few at a time (runConcurrently).
	concurrent bool
	// unverified are the members the recorded tests declare unverified (LocalStack's
	// skip_snapshot_verify paths, "$..billingDetails", "$..output.Cause"), each with the
	// reason: the HTTP headers and request id of a service's answer (SdkHttpMetadata,
	// SdkResponseMetadata) are the fake's here. Members are named "member" or
	// "parent.member"; as in the recorded tests, neither their presence nor their content is
	// compared.
	unverified map[string]string
}

var files []file

// register adds a file to the suite; each scenarios_*_test.go registers its own.
func register(f file) { files = append(files, f) }

// replay is one test's replay: a client of a fresh Stepwise and the answers collected.
type replay struct {
	t      *testing.T
	url    string
	got    map[string]any
	region string
	// skipped holds the recorded answers that cannot be replayed, with why.
	skipped map[string]string
	// replacements are the recorded test's own transformers: a value it replaced by a word
	// of its choosing (RegexTransformer(arn, "ssm_nonexistent_arn")).
	replacements [][2]string
	// members are the recorded test's replacements of members' values (replaceMember).
	members map[string]string
	// unverified are members this test declares unverified (its own skip_snapshot_verify), as
	// file.unverified.
	unverified []string
	// rewrite, if set, is a recorded test's own transformer of a whole answer, applied after
	// the replacements.
	rewrite func(any) any
	// close stops the test's server.
	close func()
	// undone are the texts of a known difference (file.known) and what AWS has in their
	// place: with them replaced, the answer must match, so that nothing else differs.
	undone [][2]string
	// unchecked are the members of a known difference (r.unchecking).
	unchecked map[string]bool
	// logs holds the execution logs the server wrote (files with logs set).
	logs *logBuffer
	// created counts the names a scenario made up.
	created int
	// s3 is the S3 the test's server reads Distributed Map items from.
	s3 *s3itemstest.Mem
}

// unchecking declares a known difference as members (by name, wherever they are) whose values
// a fake answers in its own way: the rest of the answer must match.
func (r *replay) unchecking(members ...string) {
	if r.unchecked == nil {
		r.unchecked = map[string]bool{}
	}
	for _, m := range members {
		r.unchecked[m] = true
	}
}

// drop removes the unchecked members from an answer.
func (r *replay) drop(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if !r.unchecked[k] {
				out[k] = r.drop(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.drop(e)
		}
		return out
	}
	return v
}

// undoing declares a known difference as a text of Stepwise's answer and AWS's in its place.
func (r *replay) undoing(text, aws string) { r.undone = append(r.undone, [2]string{text, aws}) }

// undo replaces the known differences' texts in an answer.
func (r *replay) undo(v any) any {
	saved := r.replacements
	r.replacements = r.undone
	defer func() { r.replacements = saved }()
	return r.transform(v)
}

// replace does what the recorded test's RegexTransformer did: text becomes word in every
// answer before the comparison.
func (r *replay) replace(text, word string) {
	r.replacements = append(r.replacements, [2]string{text, word})
}

// replaceMember does what the recorded test's JsonpathTransformer("$..member", word) without
// replace_reference did: the value of every member of that name becomes word; with a parent
// ("$..parent.member"), only the member of an object that is that parent's value.
func (r *replay) replaceMember(member, word string, parent ...string) {
	if r.members == nil {
		r.members = map[string]string{}
	}
	key := member
	if len(parent) > 0 {
		key = parent[0] + "." + member
	}
	r.members[key] = word
}

func (r *replay) transform(v any) any { return r.transformIn("", v) }

// transformIn transforms v, the value of the member named parent.
func (r *replay) transformIn(parent string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if word, ok := r.members[k]; ok {
				out[k] = word
				continue
			}
			if word, ok := r.members[parent+"."+k]; ok && parent != "" {
				out[k] = word
				continue
			}
			out[k] = r.transformIn(k, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.transformIn(parent, e)
		}
		return out
	case string:
		for _, p := range r.replacements {
			x = strings.ReplaceAll(x, p[0], p[1])
		}
		return x
	}
	return v
}

// skip marks a recorded answer as one the replay cannot give, with the reason.
func (r *replay) skip(key, why string) { r.skipped[key] = why }

// TestReplayRecordings replays every recorded test a scenario knows, compares each recorded
// answer, and logs the figures per file (go test -v -run TestReplayRecordings).
func TestReplayRecordings(t *testing.T) {
	if len(files) == 0 {
		t.Fatal("no files registered")
	}
	functionDir = t.TempDir()
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	startServices(t)
	summary := make([]string, len(files))
	// The files replay in parallel, each test on its own fresh server; the group returns once
	// they all have, and the figures follow.
	t.Run("files", func(t *testing.T) {
		for i, f := range files {
			t.Run(f.path, func(t *testing.T) {
				t.Parallel()
				snap, dates := loadSnapshot(t, f.path)
				var shared *replay
				if f.stateless {
					shared = newReplay(t, f)
					defer shared.close()
				}
				tests := make([]string, 0, len(snap))
				for id := range snap {
					tests = append(tests, id)
				}
				sort.Strings(tests)
				// limited are the answers listed in f.limits.
				var answers, matched, skipped, limited int
				skips := map[string]int{}
				// The tests of a file of services run a few at a time before the comparison:
				// most of their time is waiting for processes (a Lambda function's start, a
				// fake's answer), not work.
				var ran map[string]*replay
				if f.concurrent {
					ran = runConcurrently(t, f, tests)
				}
				for _, id := range tests {
					name := id[strings.LastIndex(id, "::")+2:]
					run, skip := f.scenario(name)
					if run == nil {
						skipped += len(snap[id])
						skips[skip] += len(snap[id])
						continue
					}
					var r *replay
					switch {
					case f.concurrent:
						r = ran[id]
					case f.services:
						r = &replay{t: t, got: map[string]any{}, region: "us-east-1", skipped: map[string]string{}, close: func() {}}
					case shared != nil:
						r = shared.fresh()
					default:
						r = newReplay(t, f)
					}
					if !f.concurrent {
						func() {
							defer func() { r.close() }()
							defer func() {
								if p := recover(); p != nil {
									t.Errorf("%s: %v", name, p)
								}
							}()
							run(r)
						}()
					}
					m := &matcher{binds: map[string]string{}, ignore: map[string]bool{}, unverified: map[string]bool{}}
					for member := range f.unverified {
						m.unverified[member] = true
					}
					for _, member := range r.unverified {
						m.unverified[member] = true
					}
					for member, since := range addedMembers {
						if at := dates[id]; !at.IsZero() && at.Before(since) {
							m.ignore[member] = true
						}
					}
					keys := make([]string, 0, len(snap[id]))
					for k := range snap[id] {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					for _, key := range keys {
						why, ok := r.skipped[key]
						if clientSide(snap[id][key]) {
							why, ok = botocoreValidation, true
						}
						if ok {
							skipped++
							skips[why]++
							continue
						}
						answers++
						want := parseJSONStrings(snap[id][key])
						got, ok := r.got[key]
						d := ""
						if !ok {
							d = "not produced by the replay"
						} else {
							g := r.transform(parseJSONStrings(got))
							if r.rewrite != nil {
								g = r.rewrite(g)
							}
							d = m.diff(want, g, key)
						}
						reason, isKnown := f.known[name+"/"+key]
						limit, isLimit := f.limits[name+"/"+key]
						if isLimit {
							reason, isKnown = limit, true
							limited++
						}
						switch {
						case d == "":
							matched++
							if isKnown {
								t.Errorf("%s/%s matches now: take it off the known differences (%s)", name, key, reason)
							}
						case !isKnown:
							t.Errorf("%s/%s: %s", name, key, d)
							if testing.Verbose() {
								t.Logf("got %s", value.Encode(got))
							}
						default:
							// A known difference the scenario can undo (r.undo) must be the only one.
							if len(r.undone) > 0 || len(r.unchecked) > 0 {
								m2 := &matcher{binds: map[string]string{}, ignore: m.ignore, unverified: m.unverified}
								if d2 := m2.diff(r.drop(want), r.drop(r.undo(r.transform(parseJSONStrings(got)))), key); d2 != "" {
									t.Errorf("%s/%s differs beyond its known difference (%s): %s", name, key, reason, d2)
								}
							}
							if testing.Verbose() {
								t.Logf("known difference %s/%s (%s): %s", name, key, reason, d)
							}
						}
					}
				}
				replayable := answers
				pct := 100.0
				if replayable > 0 {
					pct = 100 * float64(matched) / float64(replayable)
				}
				line := fmt.Sprintf("%-62s replayed %3d/%3d answers match (%5.1f %%); not replayed: %d", f.path, matched, replayable, pct, skipped)
				if limited > 0 {
					line += fmt.Sprintf("; %d of them differ by what the replay runs in AWS's place", limited)
				}
				whys := make([]string, 0, len(skips))
				for why := range skips {
					whys = append(whys, why)
				}
				sort.Strings(whys)
				for _, why := range whys {
					if skips[why] > 0 {
						line += fmt.Sprintf("\n      %3d: %s", skips[why], why)
					}
				}
				summary[i] = line
				// The bound is Stepwise's: the answers the fakes or the replay's runtime make
				// differ are left out of it (each is listed with its reason in f.limits).
				if 100*float64(matched) < 95*float64(replayable-limited) {
					t.Errorf("%.1f %% of the replayable answers match, under 95 %%", pct)
				}
			})
		}
	})
	t.Log("figures per file:\n" + strings.Join(summary, "\n"))
}

// servicesAtOnce bounds the tests of a file of services that run at the same time.
const servicesAtOnce = 2

// runConcurrently runs the scenarios of a file of services, servicesAtOnce at a time, each on
// its own server (replay.serve), and returns their replays by test id.
func runConcurrently(t *testing.T, f file, tests []string) map[string]*replay {
	ran := map[string]*replay{}
	slots := make(chan struct{}, servicesAtOnce)
	var wg sync.WaitGroup
	for _, id := range tests {
		name := id[strings.LastIndex(id, "::")+2:]
		run, _ := f.scenario(name)
		if run == nil {
			continue
		}
		r := &replay{t: t, got: map[string]any{}, region: "us-east-1", skipped: map[string]string{}, close: func() {}}
		ran[id] = r
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			// A scenario's t.Fatal ends this goroutine only (runtime.Goexit): the deferred
			// calls still close its server and free its slot, and the test is marked failed.
			defer func() { <-slots; wg.Done() }()
			defer func() { r.close() }() // serve sets it
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: %v", name, p)
				}
			}()
			run(r)
		}()
	}
	wg.Wait()
	return ran
}

const botocoreValidation = "refused by botocore's own parameter validation: the request never reached AWS"

// clientSide reports whether a recorded answer is botocore's refusal of a request it would not
// send (ParamValidationError): there is no answer of AWS's to compare with.
func clientSide(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.HasPrefix(x, "Parameter validation failed")
	case map[string]any:
		return x["exception_typename"] == "ParamValidationError" || clientSide(x["exception_value"])
	}
	return false
}

// loadSnapshot reads a snapshot file: test id -> answer name -> recorded answer, and the
// date each test was recorded.
func loadSnapshot(t *testing.T, path string) (map[string]map[string]any, map[string]time.Time) {
	data, err := os.ReadFile(filepath.Join(recordings, path))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]struct {
		Date    string          `json:"recorded-date"`
		Content json.RawMessage `json:"recorded-content"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	dates := map[string]time.Time{}
	for id, r := range raw {
		v, err := decode(r.Content)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := v.(map[string]any)
		out[id] = m
		dates[id], _ = time.Parse("02-01-2006, 15:04:05", r.Date)
	}
	return out, dates
}

// addedMembers are response members AWS added after some recordings were made, with a date by
// which it had: a recording older than that has no such member to compare with, so the
// comparison leaves Stepwise's out. encryptionConfiguration (customer managed keys) is absent
// from every DescribeStateMachine recorded up to 2024-06-26 and present from 2024-11-20 on.
// Likewise redriveCount, which AWS added to ListExecutions' items with redrives (November
// 2023): absent from the items recorded in 2023, present in every one recorded from 2024 on;
// and DescribeExecution's redriveStatus and redriveStatusReason, added with them (absent from
// scenarios/test_sfn_scenarios, recorded in March 2023).
var addedMembers = map[string]time.Time{
	"encryptionConfiguration": time.Date(2024, 11, 20, 0, 0, 0, 0, time.UTC),
	"redriveCount":            time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	"redriveStatus":           time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	"redriveStatusReason":     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
}

// newReplay starts a fresh Stepwise (its own store) for one test of f, writing execution logs
// and running the Lambda function if f asks for them.
func newReplay(t *testing.T, f file) *replay {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepwise.db"))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	// S3 is hosted in memory (gofakes3) for the Distributed Maps that read their items there;
	// no other service is.
	s3 := s3itemstest.New()
	items := &s3items.Handler{S3: s3}
	// The Lambda functions the tests deploy run for the files that ask for them.
	var functions *lambda.Runtime
	if f.lambda {
		path := buildFunction(t)
		functions = lambda.New(lambda.Options{Functions: map[string]lambda.Spec{
			functionName: {Command: []string{path}, Handler: "raise"},
			identityName: {Command: []string{path}, Handler: "identity"},
			helloName:    {Command: []string{path}, Handler: "hello"},
		}, Region: "us-east-1", Account: "123456789012", Output: io.Discard})
	}
	tasks := runner.TaskFunc(func(ctx context.Context, task *engine.Task) (string, error) {
		if items.Handles(task) {
			return items.RunTask(ctx, task)
		}
		if functions != nil && functions.Handles(task) {
			return functions.RunTask(ctx, task)
		}
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "the replay suite hosts no " + task.Resource}
	})
	var buf *logBuffer
	var writer *execlog.Writer
	if f.logs {
		buf = &logBuffer{}
		writer = execlog.NewWriter(execlog.NewFileSink(buf), st, nil)
	}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: tasks,
		LeaseTTL: time.Second, Poll: 20 * time.Millisecond, ActivityPoll: time.Second, ExecutionLogs: writer})
	done := make(chan struct{})
	go func() { node.Run(ctx); close(done) }()
	srv := httptest.NewServer(&api.Server{Store: st, Node: node, Region: "us-east-1", Account: "123456789012", Tasks: tasks,
		ExecutionLogs: writer})
	r := &replay{t: t, url: srv.URL, got: map[string]any{}, region: "us-east-1", skipped: map[string]string{}, logs: buf, s3: s3}
	// Each server stops as soon as its test is compared: hundreds of idle nodes polling their
	// stores would otherwise slow the rest of the suite down.
	r.close = func() {
		srv.Close()
		cancel()
		<-done
		st.Close()
		if functions != nil {
			functions.Close()
		}
	}
	return r
}

// fresh is a new test's replay on the same server, for files whose tests keep nothing there.
func (r *replay) fresh() *replay {
	return &replay{t: r.t, url: r.url, got: map[string]any{}, region: r.region, skipped: map[string]string{}, close: func() {}, s3: r.s3}
}

// role is the execution role every scenario uses (the recordings call it snf_role_arn).
const role = "arn:aws:iam::123456789012:role/stepwise-replay"

// call sends one Step Functions action and returns the answer as AWS's Python client
// (botocore) gives it to a test: the body's members and ResponseMetadata.HTTPStatusCode, or, for
// an error, Error {Code, Message}, the error's members and the status.
func (r *replay) call(action string, req map[string]any) map[string]any {
	r.t.Helper()
	body := value.EncodeBytes(req)
	hr, err := http.NewRequest(http.MethodPost, r.url+"/", bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	hr.Header.Set("Content-Type", "application/x-amz-json-1.0")
	hr.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(bytes.TrimSpace(data)) > 0 {
		v, err := decode(data)
		if err != nil {
			r.t.Fatalf("%s: answer is not JSON: %s", action, data)
		}
		out, _ = v.(map[string]any)
	}
	if resp.StatusCode >= 300 {
		code, _ := out["__type"].(string)
		code = code[strings.LastIndex(code, "#")+1:]
		delete(out, "__type")
		msg, _ := out["message"].(string)
		if m, ok := out["Message"].(string); ok && msg == "" {
			msg = m
		}
		out["Error"] = map[string]any{"Code": code, "Message": msg}
	}
	out["ResponseMetadata"] = map[string]any{"HTTPStatusCode": value.FromInt(int64(resp.StatusCode))}
	return out
}

// errorText is str() of botocore's ClientError for an error answer, as tests that record
// str(error) see it.
func errorText(action string, resp map[string]any) string {
	e, _ := resp["Error"].(map[string]any)
	if e == nil {
		return "no error"
	}
	return fmt.Sprintf("An error occurred (%s) when calling the %s operation: %s", e["Code"], action, e["Message"])
}

// exception is how tests that record {"exception_typename", "exception_value"} see an error.
func exception(action string, resp map[string]any) map[string]any {
	e, _ := resp["Error"].(map[string]any)
	if e == nil {
		return map[string]any{"no error": resp}
	}
	return map[string]any{"exception_typename": e["Code"], "exception_value": errorText(action, resp)}
}

// record keeps an answer under the name the recorded test gave it.
func (r *replay) record(key string, v any) { r.got[key] = v }

// template reads a state machine template (JSON5: comments, trailing commas) and returns it
// as compact JSON text.
func template(t *testing.T, path string) string {
	data, err := os.ReadFile(filepath.Join(recordings, "templates", path))
	if err != nil {
		t.Fatal(err)
	}
	v, err := decode([]byte(conformance.JSON5ToJSON(string(data))))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return value.Encode(v)
}

// param returns the parameter id of a parametrized test ("test[ID]" -> "ID").
func param(test string) (name, id string) {
	i := strings.IndexByte(test, '[')
	if i < 0 {
		return test, ""
	}
	return test[:i], strings.TrimSuffix(test[i+1:], "]")
}

func sleep() { time.Sleep(10 * time.Millisecond) }
