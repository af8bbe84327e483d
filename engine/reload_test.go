package engine_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/conformance"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
)

// FuzzReload checks that an execution's stored state is the whole of it: a node saves the
// state with each commit and, after a restart or on another node, goes on from what it loads.
// Each state machine of the generator (FuzzGenerated) is driven twice by a simulation of its
// own (sim): once held in memory throughout, and once saved and loaded again before every
// event, decoded as a node decodes it. Both must write the same history, byte for byte, and
// end alike; then, if it failed, timed out or was stopped, again after a redrive (from the
// state as loaded, for the second), up to two. One machine in two is stopped (StopExecution)
// among its first events, and a Distributed Map's run is updated (UpdateMapRun) while it
// runs. The simulation starts each task as soon as it is scheduled and answers it when
// hashedAnswer says, so that tasks of Parallel branches and Map iterations overlap with each
// other and with timers, which the one-task-at-a-time local run (FuzzGenerated's) never
// does; a callback or a child execution that takes time is submitted first (TaskSubmitted),
// and one task in two with a heartbeat sends heartbeats in time. An execution that ends must
// leave no timer or task behind, and no map run or child execution running.
//
//	go test ./engine -run X -fuzz FuzzReload -fuzztime 5m
func FuzzReload(f *testing.F) {
	fuzzMachines(f, func(t *testing.T, sm *asl.StateMachine, def, input string) {
		in := engine.New(sm, fuzzConfig)
		stopAt, updateAt := stopPoint(def), updatePoint(def)
		held := &sim{t: t, in: in, stopAt: stopAt, updateAt: updateAt}
		loaded := &sim{t: t, in: in, reload: true, stopAt: stopAt, updateAt: updateAt}
		held.start(startOf(input))
		loaded.start(startOf(input))
		for redrives := 0; ; redrives++ {
			runAlike(t, held, loaded, fmt.Sprintf("after %d redrives\ndefinition: %s\ninput: %s", redrives, def, input))
			if redrives == 2 || held.ex.Status == engine.Succeeded {
				return
			}
			at := held.clock.Add(time.Minute)
			if !held.redrive(at) {
				return // AWS would not redrive it either (its history is at the quota)
			}
			loaded.ex = saveAndLoad(t, loaded.ex)
			if !loaded.redrive(at) {
				t.Fatalf("the execution as loaded cannot be redriven, held it can: %s", loaded.in.RedriveReason(loaded.ex, at))
			}
		}
	})
}

// runAlike runs held and loaded (reloaded before every event) to the end of their
// executions; both must write the same history, whole, and end alike. what says which
// execution, for the failure.
func runAlike(t *testing.T, held, loaded *sim, what string) {
	t.Helper()
	held.run()
	loaded.run()
	if a, b := historyText(t, held.events), historyText(t, loaded.events); !bytes.Equal(a, b) {
		t.Fatalf("the execution reloaded at each event wrote another history (%s)\nheld:     %s\nreloaded: %s", what, a, b)
	}
	if held.ex.Status != loaded.ex.Status || held.ex.Output != loaded.ex.Output {
		t.Fatalf("the execution reloaded at each event ended %s %s, held %s %s (%s)", loaded.ex.Status, loaded.ex.Output, held.ex.Status, held.ex.Output, what)
	}
	checkWhole(t, loaded.ex, loaded.events)
	if a, b := recordsText(t, held), recordsText(t, loaded); !bytes.Equal(a, b) {
		t.Fatalf("the execution reloaded at each event kept other map runs or child executions (%s)\nheld:     %s\nreloaded: %s", what, a, b)
	}
}

// recordsText is what the Distributed Maps of s's execution asked to keep (their map runs'
// newest records, their child executions with their whole histories), as JSON in the order
// of their ARNs.
func recordsText(t *testing.T, s *sim) []byte {
	var all []any
	for _, arn := range slices.Sorted(maps.Keys(s.runs)) {
		all = append(all, s.runs[arn])
	}
	for _, arn := range slices.Sorted(maps.Keys(s.children)) {
		all = append(all, s.children[arn])
	}
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatalf("the map runs and child executions do not encode: %v", err)
	}
	return b
}

// sim drives an execution on a virtual clock: each task starts when it is scheduled and ends
// with hashedAnswer's outcome after the time that says; timers and task ends come in the
// order of their times (timers first, then by id, at the same time). With reload, the
// execution is saved and loaded again before each event.
type sim struct {
	t      *testing.T
	in     *engine.Interpreter
	reload bool
	// stopAt, if not 0, makes the stopAt-th event sent a Stop (StopExecution).
	stopAt int
	// maxSteps, if not 0, is the most events run sends before it fails (100,000 if 0).
	maxSteps int
	// updateAt, if not 0, makes the updateAt-th event sent, or the first after it while a
	// Distributed Map's run is running, an UpdateMapRun of that run.
	updateAt int

	ex      *engine.Execution
	clock   time.Time
	events  []history.Event
	toStart []*engine.Task
	timers  map[int64]time.Time
	running map[int64]taskEnd
	calls   int
	sent    int
	// runs and children are what a node keeps of the Distributed Maps: each map run's newest
	// record, and each child execution with all its events.
	runs     map[string]engine.MapRunRecord
	children map[string]*engine.ChildExecution
}

// taskEnd is when and how a running task ends, and when it next sends a heartbeat (zero:
// none).
type taskEnd struct {
	at, beat         time.Time
	every            time.Duration // between heartbeats
	out, name, cause string        // name: the error it fails with ("" if it succeeds)
}

func (s *sim) start(st engine.Start) {
	s.clock = st.Time
	ex, step := s.in.Start(st)
	s.ex = ex
	s.timers, s.running = map[int64]time.Time{}, map[int64]taskEnd{}
	s.runs, s.children = map[string]engine.MapRunRecord{}, map[string]*engine.ChildExecution{}
	s.apply(step)
}

// redrive redrives the ended execution at at, as RedriveExecution does; false when the
// engine refuses.
func (s *sim) redrive(at time.Time) bool {
	s.clock = at
	step, err := s.in.Redrive(s.ex, at)
	if err != nil {
		return false
	}
	s.apply(step)
	return true
}

func (s *sim) apply(step engine.Step) {
	s.events = append(s.events, step.Events...)
	for _, c := range step.Commands {
		switch c.Kind {
		case engine.ScheduleTask:
			s.toStart = append(s.toStart, c.Task)
		case engine.StartTimer:
			at := c.At
			if c.TimerID == s.ex.YieldTimer {
				at = at.Add(fuzzYieldTime) // as runner.Local's virtual clock, faster
			}
			s.timers[c.TimerID] = at
		case engine.CancelTimer:
			delete(s.timers, c.TimerID)
		case engine.CancelTask:
			s.toStart = slices.DeleteFunc(s.toStart, func(task *engine.Task) bool { return task.ID == c.TaskID })
			delete(s.running, c.TaskID)
		case engine.MapRunChanged:
			s.runs[c.MapRun.MapRunArn] = *c.MapRun
		case engine.ChildExecutionChanged:
			// As a node keeps them: the first record has the input, later ones add events.
			ch := *c.Child
			if old := s.children[ch.ExecutionArn]; old != nil {
				ch.Events = append(slices.Clip(old.Events), ch.Events...)
				if ch.Input == nil {
					ch.Input = old.Input
				}
			} else if ch.Input == nil {
				s.t.Fatalf("child execution %s first kept without its input", ch.ExecutionArn)
			}
			s.children[ch.ExecutionArn] = &ch
		}
	}
}

func (s *sim) send(ev engine.Event) {
	if s.reload {
		s.ex = saveAndLoad(s.t, s.ex)
	}
	s.apply(s.in.Apply(s.ex, ev))
	s.sent++
}

// run feeds the execution its tasks' outcomes and its timers until it ends. It must then have
// cancelled all its timers and tasks: a node would run a task left over, and fire a timer
// left over once the execution is redriven.
func (s *sim) run() {
	defer func() {
		if !s.ex.Done() {
			return
		}
		if len(s.timers)+len(s.running)+len(s.toStart) > 0 {
			s.t.Fatalf("the execution ended %s with timers %v, tasks %v and %d to start left: %s", s.ex.Status, s.timers, s.running, len(s.toStart), types(s.events))
		}
		for arn, r := range s.runs {
			if r.Status == "RUNNING" {
				s.t.Fatalf("the execution ended %s with its map run %s still running: %s", s.ex.Status, arn, types(s.events))
			}
		}
		for arn, ch := range s.children {
			if ch.Status == engine.Running {
				s.t.Fatalf("the execution ended %s with its child %s still running: %s", s.ex.Status, arn, types(ch.Events))
			}
		}
	}()
	for steps := 0; !s.ex.Done(); steps++ {
		if steps > cmp.Or(s.maxSteps, 100_000) {
			s.t.Fatalf("the execution did not end after %d events: %s", steps, types(s.events))
		}
		if s.sent+1 == s.stopAt {
			s.send(engine.Event{Kind: engine.Stop, Time: s.clock, Error: "Stopped", Cause: "by the fuzzer", HasError: true, HasCause: true})
			continue
		}
		if s.updateAt != 0 && s.sent+1 >= s.updateAt {
			// UpdateMapRun on the first map run running, once there is one: no limit on
			// how many children run at once, and a tolerance changed, as the call allows.
			if arn := s.runningMapRun(); arn != "" {
				conc, count, pct := int64(0), int64(s.updateAt%3), float64(s.updateAt%2*50)
				u := &engine.MapRunUpdate{MapRunArn: arn, MaxConcurrency: &conc, ToleratedFailureCount: &count}
				if s.updateAt%2 == 0 {
					u.ToleratedFailureCount, u.ToleratedFailurePercentage = nil, &pct
				}
				s.updateAt = 0
				s.send(engine.Event{Kind: engine.UpdateMapRun, Time: s.clock, MapRun: u})
				continue
			}
		}
		if len(s.toStart) > 0 {
			task := s.toStart[0]
			s.toStart = s.toStart[1:]
			s.send(engine.Event{Kind: engine.TaskStarted, TaskID: task.ID, Time: s.clock})
			s.calls++
			out, name, cause, took := hashedAnswer(task, s.calls)
			e := taskEnd{at: s.clock.Add(took), out: out, name: name, cause: cause}
			if took > 0 && task.Pattern != "" && !s.ex.Done() {
				// A callback or a child execution: the request was accepted, the
				// outcome comes later.
				s.send(engine.Event{Kind: engine.TaskSubmitted, TaskID: task.ID, Time: s.clock, Output: `{"SdkHttpMetadata":{}}`})
			}
			if hb := task.HeartbeatSeconds; hb != nil && *hb > 1 && s.calls%2 == 0 {
				e.every = time.Duration(*hb-1) * time.Second // in time
				e.beat = s.clock.Add(e.every)
			}
			if !s.ex.Done() {
				s.running[task.ID] = e
			}
			continue
		}
		timer, at, isTimer := earliestTimer(s.timers)
		var task int64 // the task that ends or beats first, if before any timer
		var taskAt time.Time
		beats := false
		for id, e := range s.running {
			when, beat := e.at, !e.beat.IsZero() && e.beat.Before(e.at)
			if beat {
				when = e.beat
			}
			if (!isTimer || when.Before(at)) && (task == 0 || when.Before(taskAt) || when.Equal(taskAt) && id < task) {
				task, taskAt, beats = id, when, beat
			}
		}
		switch {
		case task != 0 && beats:
			e := s.running[task]
			s.clock = later(s.clock, e.beat)
			e.beat = e.beat.Add(e.every)
			s.running[task] = e
			s.send(engine.Event{Kind: engine.TaskHeartbeat, TaskID: task, Time: s.clock})
		case task != 0:
			e := s.running[task]
			delete(s.running, task)
			s.clock = later(s.clock, e.at)
			if e.name != "" {
				s.send(engine.Event{Kind: engine.TaskFailed, TaskID: task, Time: s.clock, Error: e.name, Cause: e.cause, HasError: true, HasCause: true})
			} else {
				s.send(engine.Event{Kind: engine.TaskSucceeded, TaskID: task, Time: s.clock, Output: e.out})
			}
		case isTimer:
			delete(s.timers, timer)
			s.clock = later(s.clock, at)
			s.send(engine.Event{Kind: engine.TimerFired, TimerID: timer, Time: s.clock})
		default:
			s.t.Fatalf("nothing left to wait for, yet the execution is %s: %s", s.ex.Status, types(s.events))
		}
	}
}

// stopPoint is sim.stopAt for a machine: for one machine in two, by a hash of its definition,
// one of the first six events sent is a Stop; 0 for the others.
func stopPoint(def string) int {
	h := fnv.New32a()
	h.Write([]byte(def))
	if sum := h.Sum32(); sum%2 == 0 {
		return 1 + int(sum>>2%6)
	}
	return 0
}

// runningMapRun is the ARN of the first map run still running, "" when none is.
func (s *sim) runningMapRun() string {
	for _, arn := range slices.Sorted(maps.Keys(s.runs)) {
		if s.runs[arn].Status == "RUNNING" {
			return arn
		}
	}
	return ""
}

// updatePoint is sim.updateAt for a machine: for one with a Distributed Map, by a hash of its
// definition, one of its first twenty events sent, or the first after it while a run is
// running, is an UpdateMapRun; 0 for the others.
func updatePoint(def string) int {
	if !strings.Contains(def, "DISTRIBUTED") {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(def))
	return 2 + int(h.Sum64()%19)
}

// earliestTimer is the timer due first (the lowest id among those due at once).
func earliestTimer(timers map[int64]time.Time) (id int64, at time.Time, ok bool) {
	for i, a := range timers {
		if !ok || a.Before(at) || a.Equal(at) && i < id {
			id, at, ok = i, a, true
		}
	}
	return id, at, ok
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// saveAndLoad is the execution as a node loads it after saving it (runner's decodeState:
// numbers stay json.Number).
func saveAndLoad(t *testing.T, ex *engine.Execution) *engine.Execution {
	t.Helper()
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatalf("the execution's state does not encode: %v", err)
	}
	var back engine.Execution
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("the execution's state does not decode: %v\n%s", err, b)
	}
	return &back
}

// TestCorpusReloads drives the state machine of every case of the AWS conformance corpus as
// FuzzReload does (its tasks answered by hashedAnswer, not as recorded): held in memory and
// reloaded before every event, both must write the same whole history, end alike and leave
// nothing behind.
func TestCorpusReloads(t *testing.T) {
	cases, err := conformance.LoadCases(os.DirFS(".."), "conformance/corpus")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no conformance corpus (%v)", err)
	}
	ran := 0
	for _, c := range cases {
		sm, err := asl.Parse([]byte(c.Definition()), asl.ValidateOptions{})
		if err != nil {
			continue // a case of a definition AWS refuses
		}
		in := engine.New(sm, fuzzConfig)
		input := c.ExecutionInput(t0)
		held, loaded := &sim{t: t, in: in}, &sim{t: t, in: in, reload: true}
		held.start(startOf(input))
		loaded.start(startOf(input))
		runAlike(t, held, loaded, "case "+c.ID)
		ran++
	}
	t.Logf("%d of %d cases' machines", ran, len(cases))
}
