package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/runner"
)

// Case is one recorded execution of the corpus.
type Case struct {
	ID    string
	Area  string
	Query string // "JSONPath" or "JSONata"
	// Needs lists the Task resources the definition calls; such cases are not run.
	Needs []string

	definition string // as created
	input      jv
	expected   jv
	record     string // source.record, whose _N suffix numbers the execution's name
}

// LoadCases reads the cases under dir of fsys (cases/<area>/<id>.json), sorted by file path.
func LoadCases(fsys fs.FS, dir string) ([]*Case, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*", "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []*Case
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		c, err := parseCase(string(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func parseCase(text string) (*Case, error) {
	doc, err := parseJSON(text)
	if err != nil {
		return nil, err
	}
	str := func(v jv, k string) string {
		x, _ := v.get(k)
		return x.s
	}
	def, _ := doc.get("definition")
	c := &Case{ID: str(doc, "id"), Area: str(doc, "area"), definition: dumps(def)}
	c.input, _ = doc.get("input")
	c.expected, _ = doc.get("expected")
	src, _ := doc.get("source")
	c.record = str(src, "record")
	needs, _ := doc.get("needs")
	for _, n := range needs.arr {
		c.Needs = append(c.Needs, n.s)
	}
	c.Query = "JSONPath"
	if strings.Contains(dumps(def), `"QueryLanguage": "JSONata"`) {
		c.Query = "JSONata"
	}
	if c.ID == "" || def.k != kObject || c.expected.k != kObject {
		return nil, errors.New("not a case: it needs an id, a definition and what was expected")
	}
	return c, nil
}

// recordedTime is the time given for an input value recorded as "date": a second from now, at
// the precision the case's name asks for.
func recordedTime(c *Case, now time.Time) string {
	t := now.UTC().Add(time.Second)
	switch {
	case strings.Contains(c.ID, "NANOSECONDS"):
		return t.Format("2006-01-02T15:04:05.000000") + "123Z"
	case strings.Contains(c.ID, "SECONDS"):
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

func withTimes(v jv, now string) jv {
	switch v.k {
	case kObject:
		out := jv{k: kObject, keys: v.keys, vals: make([]jv, len(v.vals))}
		for i, x := range v.vals {
			out.vals[i] = withTimes(x, now)
		}
		return out
	case kArray:
		out := jv{k: kArray, arr: make([]jv, len(v.arr))}
		for i, x := range v.arr {
			out.arr[i] = withTimes(x, now)
		}
		return out
	case kString:
		if v.s == "date" {
			return jstr(now)
		}
	}
	return v
}

// Definition is the case's state machine definition, as it was created.
func (c *Case) Definition() string { return c.definition }

// ExecutionInput is the text a case's execution is started with: a case whose input is a
// string that holds JSON recorded the text itself.
func (c *Case) ExecutionInput(now time.Time) string {
	v := withTimes(c.input, recordedTime(c, now))
	if v.k == kString {
		if _, err := parseJSON(v.s); err == nil {
			return v.s
		}
	}
	return dumps(v)
}

// Outcome is what one execution returned: the object `stepwise run --history` prints, as
// JSON text (its "history" GetExecutionHistory's response, or the bare array of events).
type Outcome = []byte

// Runner runs one case's execution and returns its outcome. RunInProcess is the default.
type Runner func(ctx context.Context, c *Case) (Outcome, error)

const (
	localRegion  = "us-east-1"
	localAccount = "123456789012"
)

// RunInProcess runs a case's execution through the engine in this process, as `stepwise run
// --time-skipping --history` does, and returns what that command prints.
func RunInProcess(ctx context.Context, c *Case) (Outcome, error) {
	input := c.ExecutionInput(time.Now())
	if _, err := value.DecodeString(input); err != nil {
		return nil, fmt.Errorf("InvalidExecutionInput: %v", err)
	}
	sm, err := asl.Parse([]byte(c.definition), asl.ValidateOptions{})
	if err != nil {
		return nil, err
	}
	const smName = "conformance"
	execName := ids.UUID()
	smArn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", localRegion, localAccount, smName)
	start := engine.Start{
		ExecutionArn:     fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", localRegion, localAccount, smName, execName),
		Name:             execName,
		StateMachineArn:  smArn,
		StateMachineName: smName,
		RoleArn:          fmt.Sprintf("arn:aws:iam::%s:role/stepwise-local", localAccount),
		Input:            input,
		Time:             time.Now().UTC(),
		Seed:             time.Now().UnixNano(),
	}
	in := engine.New(sm, engine.Config{Region: localRegion, Account: localAccount})
	ex, events, err := runner.Local(ctx, in, start, runner.LocalOptions{TimeSkipping: true, Tasks: noTasks{}})
	if err != nil && !errors.Is(err, runner.ErrStuck) {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	res := struct {
		ExecutionArn    string        `json:"executionArn"`
		StateMachineArn string        `json:"stateMachineArn"`
		Status          engine.Status `json:"status"`
		Output          *string       `json:"output"`
		Error           *string       `json:"error"`
		Cause           *string       `json:"cause"`
		History         struct {
			Events []history.Event `json:"events"`
		} `json:"history"`
	}{ExecutionArn: ex.ExecutionArn, StateMachineArn: smArn, Status: ex.Status, Error: ex.Error, Cause: ex.Cause}
	res.History.Events = events
	if ex.Status == engine.Succeeded {
		res.Output = &ex.Output
	}
	return json.Marshal(res)
}

// noTasks fails every Task state, as a local run does for a resource it has no integration
// for; the cases that are run call none.
type noTasks struct{}

func (noTasks) RunTask(_ context.Context, t *engine.Task) (string, error) {
	return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "no integration is configured for resource " + t.Resource}
}

// Verdict is how one case compared with AWS.
type Verdict struct {
	ID, Area, Query string
	// Result: status, output, error and cause match. History: every event matches too (true
	// when only the result was recorded). Order: the result matches and every object in the
	// output (and, when the history matches, in its inputs, outputs and variables) has its
	// keys in AWS's order.
	Result, History, Order bool
	Why                    string // the first difference, "" when none
	OrderWhy               string // the first key-order difference
}

var recordIndex = regexp.MustCompile(`_(\d+)$`)

// Judge compares an outcome with what AWS recorded for c.
func Judge(c *Case, out Outcome) Verdict {
	v := Verdict{ID: c.ID, Area: c.Area, Query: c.Query}
	got, err := parseJSON(string(out))
	if err != nil {
		v.Why = "error: " + err.Error()
		return v
	}
	arn, _ := got.get("executionArn")
	parts := strings.Split(arn.s, ":")
	if arn.k != kString || len(parts) < 8 {
		v.Why = fmt.Sprintf("error: no executionArn in the result: %q", arn.s)
		return v
	}
	hist, _ := got.get("history")
	if hist.k == kObject { // GetExecutionHistory's response, as `stepwise run --history` prints it
		hist, _ = hist.get("events")
	}
	role := ""
	if len(hist.arr) > 0 {
		if d, ok := hist.arr[0].get("executionStartedEventDetails"); ok {
			if r, ok := d.get("roleArn"); ok && r.k == kString {
				role = r.s
			}
		}
	}
	idx := 0
	if m := recordIndex.FindStringSubmatch(c.record); m != nil {
		idx, _ = strconv.Atoi(m[1])
	}
	norm := newNormaliser(parts[6], parts[7], idx, role, parts[3])
	want := jv{k: kObject}
	have := jv{k: kObject}
	for _, k := range []string{"status", "output", "error", "cause"} {
		e, _ := c.expected.get(k)
		want.keys, want.vals = append(want.keys, k), append(want.vals, parseJSONStrings(e))
		g, _ := got.get(k)
		have.keys, have.vals = append(have.keys, k), append(have.vals, norm.apply(parseJSONStrings(g), k))
	}
	binds := map[string]string{}
	d := firstDiff(want, have, "$", binds)
	wantOut, _ := want.get("output")
	haveOut, _ := have.get("output")
	v.Result = d == ""
	v.Order = d == "" && orderDiff(wantOut, haveOut, "$.output") == ""
	expHist, _ := c.expected.get("history")
	hw := parseJSONStrings(expHist)
	hh := norm.apply(parseJSONStrings(hist), "")
	if hist.k == kNull {
		hh = jv{k: kArray, arr: []jv{}}
	}
	if d == "" && expHist.k == kNull {
		v.History = true // only the result was recorded
	} else if d == "" {
		d, hh = compareHistory(hw, hh, binds)
		v.History = d == ""
		v.Order = v.Order && (d != "" || payloadOrderDiff(hw, hh) == "")
	}
	if v.Result && !v.Order {
		v.OrderWhy = orderDiff(wantOut, haveOut, "$.output")
		if v.OrderWhy == "" {
			v.OrderWhy = payloadOrderDiff(hw, hh)
		}
	}
	v.Why = d
	return v
}

// Options says which cases to run and how.
type Options struct {
	Only     string        // run only the cases whose file path holds this text
	All      bool          // also run the cases that need task integrations
	Timeout  time.Duration // per case; 30 s when zero
	Parallel int           // cases run at once; GOMAXPROCS when zero
	Run      Runner        // RunInProcess when nil
}

// Report is the outcome of a run of the corpus.
type Report struct {
	Verdicts []Verdict // in the cases' order
	// AWSOrder, when set, holds the verdicts of the same cases run in AWS's key order
	// (built by OrderCorpus): their Order measures key order against AWS's own.
	AWSOrder []Verdict
	Skipped  int // cases not run because they need task integrations
}

// Run runs the cases and judges each.
func Run(ctx context.Context, cases []*Case, opts Options) Report {
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Parallel == 0 {
		opts.Parallel = runtime.GOMAXPROCS(0)
	}
	if opts.Run == nil {
		opts.Run = RunInProcess
	}
	var todo []*Case
	var rep Report
	for _, c := range cases {
		if !strings.Contains(c.Area+"/"+c.ID+".json", opts.Only) {
			continue
		}
		if len(c.Needs) > 0 && !opts.All {
			rep.Skipped++
			continue
		}
		todo = append(todo, c)
	}
	rep.Verdicts = make([]Verdict, len(todo))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < opts.Parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rep.Verdicts[i] = runOne(ctx, todo[i], opts)
			}
		}()
	}
	for i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	return rep
}

func runOne(ctx context.Context, c *Case, opts Options) (v Verdict) {
	defer func() {
		if r := recover(); r != nil { // a crash of the engine counts as a failure, with its reason
			v = Verdict{ID: c.ID, Area: c.Area, Query: c.Query, Why: fmt.Sprintf("error: panic: %v", r)}
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	out, err := opts.Run(ctx, c)
	if err != nil {
		return Verdict{ID: c.ID, Area: c.Area, Query: c.Query, Why: "error: " + err.Error()}
	}
	return Judge(c, out)
}

// Counts returns how many cases were run and how many match AWS in result, history and key
// order.
func (r Report) Counts() (cases, results, histories, order int) {
	for _, v := range r.Verdicts {
		results += b2i(v.Result)
		histories += b2i(v.History)
		order += b2i(v.Order)
	}
	return len(r.Verdicts), results, histories, order
}

// AWSOrderCount is how many cases keep AWS's key order in the run of the corpus in AWS's
// order (0 without one).
func (r Report) AWSOrderCount() int {
	n := 0
	for _, v := range r.AWSOrder {
		n += b2i(v.Order)
	}
	return n
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Summary renders the report as run.py did: the first show differences, a table by area and
// query language, the key-order figure and the last line
// "conformance: R/N results, H/N histories match AWS".
func (r Report) Summary(show int) string {
	var b strings.Builder
	shown := 0
	for _, v := range r.Verdicts {
		if !v.History && shown < show {
			shown++
			fmt.Fprintf(&b, "FAIL %s: %s\n", v.ID, v.Why)
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "%-24s %6s %7s %8s %9s\n", "area", "cases", "result", "history", "keyorder")
	type tally struct{ n, r, h, o int }
	areas := map[string]*tally{}
	var names []string
	for _, v := range r.Verdicts {
		t := areas[v.Area]
		if t == nil {
			t = &tally{}
			areas[v.Area] = t
			names = append(names, v.Area)
		}
		t.n, t.r, t.h, t.o = t.n+1, t.r+b2i(v.Result), t.h+b2i(v.History), t.o+b2i(v.Order)
	}
	sort.Strings(names)
	for _, a := range names {
		t := areas[a]
		fmt.Fprintf(&b, "%-24s %6d %7d %8d %9d\n", a, t.n, t.r, t.h, t.o)
	}
	for _, q := range []string{"JSONPath", "JSONata"} {
		var t tally
		for _, v := range r.Verdicts {
			if v.Query == q {
				t.n, t.r, t.h, t.o = t.n+1, t.r+b2i(v.Result), t.h+b2i(v.History), t.o+b2i(v.Order)
			}
		}
		fmt.Fprintf(&b, "%-24s %6d %7d %8d %9d\n", "("+q+")", t.n, t.r, t.h, t.o)
	}
	n, res, hist, order := r.Counts()
	fmt.Fprintf(&b, "%-24s %6d %7d %8d %9d\n", "all", n, res, hist, order)
	shown = 0
	for _, v := range r.Verdicts {
		if v.Result && !v.Order && shown < show {
			shown++
			fmt.Fprintf(&b, "ORDER %s: %s\n", v.ID, v.OrderWhy)
		}
	}
	fmt.Fprintf(&b, "key order: %d/%d matching results also keep the order of every object's keys as AWS wrote them\n", order, res)
	if r.AWSOrder != nil {
		_, ares, _, _ := Report{Verdicts: r.AWSOrder}.Counts()
		shown = 0
		for _, v := range r.AWSOrder {
			if v.Result && !v.Order && shown < show {
				shown++
				fmt.Fprintf(&b, "AWS ORDER %s: %s\n", v.ID, v.OrderWhy)
			}
		}
		fmt.Fprintf(&b, "key order against AWS's order (the corpus with definitions, inputs and payloads in the recordings' order): %d/%d\n", r.AWSOrderCount(), ares)
	}
	if r.Skipped > 0 {
		fmt.Fprintf(&b, "(%d cases that need task integrations were not run)\n", r.Skipped)
	}
	fmt.Fprintf(&b, "conformance: %d/%d results, %d/%d histories match AWS\n", res, n, hist, n)
	return b.String()
}

// Floor is the ratchet in .ci/conformance-floor: how many cases must match AWS in result,
// history, key order against the corpus as stored (keys sorted) and key order against AWS's
// order (OrderCorpus's copy).
type Floor struct{ Results, Histories, Order, AWSOrder int }

func (f Floor) String() string {
	return fmt.Sprintf("%d results, %d histories, %d key order (corpus), %d key order (AWS's order)", f.Results, f.Histories, f.Order, f.AWSOrder)
}

// ReadFloor reads the ratchet file: four numbers, results, histories, key order against the
// corpus and key order against AWS's order.
func ReadFloor(file string) (Floor, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return Floor{}, err
	}
	f := strings.Fields(string(data))
	if len(f) != 4 {
		return Floor{}, fmt.Errorf("%s: want four numbers (results histories keyorder keyorder-aws), got %q", file, strings.TrimSpace(string(data)))
	}
	n := make([]int, 4)
	for i, s := range f {
		if n[i], err = strconv.Atoi(s); err != nil {
			return Floor{}, fmt.Errorf("%s: %w", file, err)
		}
	}
	return Floor{n[0], n[1], n[2], n[3]}, nil
}
