package engine

import (
	"strings"
	"time"
)

// Map run statuses, as DescribeMapRun reports them.
const (
	MapRunRunning   = "RUNNING"
	MapRunSucceeded = "SUCCEEDED"
	MapRunFailed    = "FAILED"
	MapRunAborted   = "ABORTED"
)

// MapRunRecord is what DescribeMapRun and ListMapRuns report of one Distributed Map run. The
// engine sends a fresh one (a MapRunChanged command) whenever a run starts, starts or ends
// iterations, is updated, or ends; a driver keeps the newest.
type MapRunRecord struct {
	MapRunArn    string `json:"mapRunArn"`
	ExecutionArn string `json:"executionArn"`
	// StateMachineArn is the run's own "state machine": the parent's ARN with /LABEL.
	StateMachineArn string `json:"stateMachineArn"`
	// StateName is the Map state that started the run (empty for runs recorded before it was).
	StateName                  string       `json:"stateName,omitempty"`
	Status                     string       `json:"status"`
	StartDate                  time.Time    `json:"startDate"`
	StopDate                   time.Time    `json:"stopDate,omitzero"`
	MaxConcurrency             int64        `json:"maxConcurrency"`
	ToleratedFailurePercentage float64      `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int64        `json:"toleratedFailureCount"`
	Counts                     MapRunCounts `json:"counts"`
	// ExecutionCounts counts child executions when they differ from Counts (with ItemBatcher);
	// nil when each child carries one item.
	ExecutionCounts *MapRunCounts `json:"executionCounts,omitempty"`
}

// MapRunCounts counts a map run's items or its child executions. Without ItemBatcher a child
// carries one item, and DescribeMapRun reports the same counts for both.
type MapRunCounts struct {
	Pending        int64 `json:"pending"`
	Running        int64 `json:"running"`
	Succeeded      int64 `json:"succeeded"`
	Failed         int64 `json:"failed"`
	TimedOut       int64 `json:"timedOut"`
	Aborted        int64 `json:"aborted"`
	Total          int64 `json:"total"`
	ResultsWritten int64 `json:"resultsWritten"`
}

// MapRunUpdate is what UpdateMapRun changes; nil fields stay as they are.
type MapRunUpdate struct {
	MapRunArn                  string
	MaxConcurrency             *int64
	ToleratedFailurePercentage *float64
	ToleratedFailureCount      *int64
}

// MapRunStateMachineArn is the ARN ListMapRuns gives a run's "state machine":
// arn:...:stateMachine:MACHINE/LABEL for arn:...:mapRun:MACHINE/LABEL:UUID.
func MapRunStateMachineArn(mapRunArn string) string {
	i := strings.LastIndexByte(mapRunArn, ':')
	if i < 0 {
		return mapRunArn
	}
	return strings.Replace(mapRunArn[:i], ":mapRun:", ":stateMachine:", 1)
}

// mapRunChanged notes that the run changed; the step sends the run's record as it stands at
// the step's end (finishRuns), one MapRunChanged command per run however many iterations the
// step started or ended: a step that starts 10,000 iterations builds one record, not 10,000.
func (x *run) mapRunChanged(m *MapRun, status string) {
	if !m.Distributed || m.RunArn == "" {
		return
	}
	if status == MapRunRunning && x.ex.Done() {
		// The execution has ended, its runs with it (endExecution aborts them). A run
		// whose MapRunStarted was the event that reached the history quota, and became
		// ExecutionFailed, never started: no record of it says RUNNING.
		return
	}
	if c, ok := x.runChanges[m.RunArn]; ok {
		c.m, c.status = m, status
		return
	}
	if x.runChanges == nil {
		x.runChanges = map[string]*runChange{}
	}
	x.runChanges[m.RunArn] = &runChange{m: m, status: status, cmd: len(x.step.Commands)}
	x.command(Command{Kind: MapRunChanged})
}

// runChange is a map run the step changed, and where its MapRunChanged command stands.
type runChange struct {
	m      *MapRun
	status string
	cmd    int
}

// finishRuns fills the step's MapRunChanged commands with the runs' records.
func (x *run) finishRuns() {
	for _, c := range x.runChanges {
		x.step.Commands[c.cmd].MapRun = x.mapRunRecord(c.m, c.status)
	}
}

// mapRunRecord is run m's record with the given status.
func (x *run) mapRunRecord(m *MapRun, status string) *MapRunRecord {
	rec := &MapRunRecord{
		MapRunArn:       m.RunArn,
		ExecutionArn:    x.ex.ExecutionArn,
		StateMachineArn: MapRunStateMachineArn(m.RunArn),
		StateName:       m.StateName,
		Status:          status,
		StartDate:       m.StartDate,
		MaxConcurrency:  int64(m.MaxActive),
		Counts: MapRunCounts{
			Pending:        int64(len(m.Items) - m.Next + len(m.Redo)),
			Running:        int64(m.Active),
			Succeeded:      int64(m.Succeeded),
			Failed:         int64(m.Failed),
			TimedOut:       int64(m.TimedOut),
			Aborted:        int64(m.Aborted),
			Total:          int64(len(m.Items)),
			ResultsWritten: int64(m.Succeeded),
		},
	}
	if m.Sizes != nil {
		// With ItemBatcher a child carries several items: Counts counts items, ExecutionCounts
		// the children.
		exec := rec.Counts
		rec.ExecutionCounts = &exec
		rec.Counts = m.itemCounts(exec)
	}
	// AWS reports 0 for a tolerance the definition does not give.
	rec.ToleratedFailureCount = max(m.ToleratedCount, 0)
	rec.ToleratedFailurePercentage = max(m.ToleratedPercent, 0)
	if status != MapRunRunning {
		rec.StopDate = x.now
	}
	return rec
}

// mapRunAborted ends a running Distributed Map run whose Map state is being stopped (the
// execution ended, or an enclosing branch failed): its running iterations count as aborted.
func (x *run) mapRunAborted(f *Frame) {
	m := f.Map
	if m == nil || !m.Distributed || (f.Phase != phaseChildren && !mapIOWait(f)) {
		return
	}
	for _, c := range f.Children {
		if c.Phase != phaseDone {
			x.abortChild(f, c)
		}
	}
	x.mapRunChanged(m, MapRunAborted)
}

// abortChild stops running iteration c of Distributed Map frame f and counts it aborted.
func (x *run) abortChild(f, c *Frame) {
	c.parent = f // links are not serialised; a caller's walk may not have reached c yet
	m := f.Map
	m.Aborted++
	m.ItemsAborted += m.size(c.Index)
	m.Active--
	x.stopChild(c)
}

// updateMapRun applies UpdateMapRun to the running Map state whose run it names; it does
// nothing when no running Map state has that run (the run has ended).
func (x *run) updateMapRun(u *MapRunUpdate) {
	if u == nil {
		return
	}
	x.ex.Root.walk(func(f *Frame) bool {
		m := f.Map
		if m == nil || !m.Distributed || m.RunArn != u.MapRunArn || f.Phase != phaseChildren {
			return true
		}
		if u.MaxConcurrency != nil {
			m.MaxActive = int(*u.MaxConcurrency)
		}
		if u.ToleratedFailureCount != nil {
			m.ToleratedCount = *u.ToleratedFailureCount
		}
		if u.ToleratedFailurePercentage != nil {
			m.ToleratedPercent = *u.ToleratedFailurePercentage
		}
		x.mapRunChanged(m, MapRunRunning)
		return false
	})
}
