package engine

import "time"

// Phase is where a frame stands in its current state.
type Phase int

const (
	// phaseEnter: the state is next to be entered with Input.
	phaseEnter Phase = iota
	// phaseTask: a task was scheduled; the frame waits for its outcome.
	phaseTask
	// phaseWait: a Wait state's timer runs.
	phaseWait
	// phaseRetry: a retry's back-off timer runs; when it fires the state runs again.
	phaseRetry
	// phaseChildren: a Parallel or Map state waits for its branches or iterations.
	phaseChildren
	// phaseDone: the frame has finished (Outcome says how).
	phaseDone
	// phaseYield: the state is next to be entered, after the execution's yield timer
	// (Execution.YieldTimer) fires; see yield.go.
	phaseYield
)

// Outcome is how a finished frame ended.
type Outcome int

const (
	outcomeNone Outcome = iota
	outcomeSucceeded
	outcomeFailed
	outcomeAborted
)

// Frame runs one graph: the state machine itself, a Parallel branch or a Map iteration.
type Frame struct {
	Graph string `json:"graph"`
	// Index is the branch or iteration number.
	Index int    `json:"index,omitempty"`
	State string `json:"state"`
	Phase Phase  `json:"phase"`
	// Input is the current state's raw input.
	Input any `json:"input"`
	// Effective is the state's effective input (after InputPath, and for a Pass, Parameters).
	Effective any `json:"effective,omitempty"`
	// Entered is the id of the current state's ...StateEntered event; Last the id of this
	// frame's newest event.
	Entered int64 `json:"entered"`
	// EnteredPrev is the previousEventId of that event: AWS threads EvaluationFailed from it.
	EnteredPrev int64     `json:"enteredPrev,omitempty"`
	Last        int64     `json:"last"`
	EnteredAt   time.Time `json:"enteredAt"`
	// Attempts counts retries per retrier of the current state; RetryCount is their total.
	Attempts   []int64 `json:"attempts,omitempty"`
	RetryCount int     `json:"retryCount,omitempty"`

	Task    *TaskWait `json:"task,omitempty"`
	TimerID int64     `json:"timerId,omitempty"`

	// Children are the branches or iterations of a running Parallel or Map state.
	Children []*Frame `json:"children,omitempty"`
	Map      *MapRun  `json:"map,omitempty"`

	// Vars are the variables assigned in this frame's scope (branches and iterations have
	// their own; the root frame uses the execution's).
	Vars map[string]any `json:"vars,omitempty"`

	Outcome Outcome  `json:"outcome,omitempty"`
	Output  any      `json:"output,omitempty"`
	Err     *failure `json:"err,omitempty"`
	// TaskOpen marks a branch or iteration that failed in a Task state: the state was never
	// exited, and the failing Parallel or inline Map state records TaskStateAborted for it,
	// as AWS does.
	TaskOpen bool `json:"taskOpen,omitempty"`
	// Distributed marks an iteration of a Distributed Map: its events belong to a child
	// execution's history, not this one's.
	Distributed bool `json:"distributed,omitempty"`
	// Child is set on the frame of a Distributed Map iteration, which is a child execution.
	Child *ChildRun `json:"child,omitempty"`
	// Redriven marks a Parallel or Map state entered again by a redrive: it keeps the
	// branches or iterations that succeeded instead of starting them all.
	Redriven bool `json:"redriven,omitempty"`

	parent *Frame
	// inputText is "" or Input's JSON text, kept from the previous state's exit or this
	// state's entry so that a value is encoded once, not at every event that shows it. Not
	// stored: a reloaded frame encodes its input again. Input only changes in transition,
	// which sets both.
	inputText string
}

// TaskWait is a scheduled task a frame waits for.
type TaskWait struct {
	ID             int64  `json:"id"`
	ResourceType   string `json:"resourceType"`
	ResourceName   string `json:"resourceName"`
	Kind           string `json:"kind"` // "task", "lambda" or "activity"
	Started        bool   `json:"started,omitempty"`
	Submitted      bool   `json:"submitted,omitempty"`
	TimeoutTimer   int64  `json:"timeoutTimer,omitempty"`
	HeartbeatTimer int64  `json:"heartbeatTimer,omitempty"`
	TimeoutSeconds int64  `json:"timeoutSeconds,omitempty"`
	Heartbeat      int64  `json:"heartbeat,omitempty"`
	Token          string `json:"token,omitempty"`
}

// MapRun is the progress of a Map state.
type MapRun struct {
	Items []any `json:"items"`
	// Written are the ended children's outcomes, kept for a ResultWriter that writes to S3.
	Written   []ChildResult `json:"written,omitempty"`
	Results   []any         `json:"results"`
	Next      int           `json:"next"`
	Active    int           `json:"active"`
	MaxActive int           `json:"maxActive"`
	Failed    int           `json:"failed"`
	// Succeeded, TimedOut and Aborted count iterations, for DescribeMapRun; Failed and
	// TimedOut both count against the tolerance.
	Succeeded int `json:"succeeded,omitempty"`
	TimedOut  int `json:"timedOut,omitempty"`
	Aborted   int `json:"aborted,omitempty"`
	// Sizes are the items each child carries when ItemBatcher groups them (Items are then the
	// children's inputs); nil when each child carries one item. ItemsSucceeded, ItemsFailed
	// and ItemsAborted count items, for DescribeMapRun's itemCounts and the tolerance.
	Sizes []int `json:"sizes,omitempty"`
	// ItemsTotal is the sum of Sizes, kept so that judging each failure does not add them up.
	ItemsTotal     int `json:"itemsTotal,omitempty"`
	ItemsSucceeded int `json:"itemsSucceeded,omitempty"`
	ItemsFailed    int `json:"itemsFailed,omitempty"`
	ItemsTimedOut  int `json:"itemsTimedOut,omitempty"`
	ItemsAborted   int `json:"itemsAborted,omitempty"`
	// ToleratedCount and ToleratedPercent are the failure tolerance (-1: none given).
	ToleratedCount   int64   `json:"toleratedCount"`
	ToleratedPercent float64 `json:"toleratedPercent"`
	Distributed      bool    `json:"distributed,omitempty"`
	RunArn           string  `json:"runArn,omitempty"`
	// StateName is the Map state's name (recorded with a Distributed Map's run).
	StateName string `json:"stateName,omitempty"`
	// StartDate is when a Distributed Map's run started.
	StartDate time.Time `json:"startDate,omitzero"`
	// Source is $$.Map.Item.Source for the items of an ItemReader ("S3://bucket" or
	// "S3://bucket/key"); "" for items from the state's input, whose Source is STATE_DATA.
	Source string `json:"source,omitempty"`
	// StartedPrev is the id the iterations' starts chain from.
	StartedPrev int64 `json:"startedPrev"`
	// Kept are the iterations that failed or were aborted, kept in case the Map state fails
	// and the execution is redriven; Redo are those a redrive runs again, before the
	// iterations not started yet.
	Kept []*Frame `json:"kept,omitempty"`
	Redo []*Frame `json:"redo,omitempty"`
}

// walk calls fn for f and every frame below it, restoring parent links on the way (they are
// not serialised).
func (f *Frame) walk(fn func(*Frame) bool) bool {
	if !fn(f) {
		return false
	}
	for _, c := range f.Children {
		c.parent = f
		if !c.walk(fn) {
			return false
		}
	}
	return true
}

// find is the first frame, f or below it, that match accepts; nil if none does.
func (f *Frame) find(match func(*Frame) bool) *Frame {
	var found *Frame
	f.walk(func(g *Frame) bool {
		if match(g) {
			found = g
			return false
		}
		return true
	})
	return found
}

// findTimer is the frame that waits for timer id: a Wait or a retry's, a task's time-out or
// heartbeat, or a running child execution's five minutes (ChildRun.TimeoutTimer).
func (f *Frame) findTimer(id int64) *Frame {
	return f.find(func(g *Frame) bool {
		return g.TimerID == id && (g.Phase == phaseWait || g.Phase == phaseRetry) ||
			g.Task != nil && g.Phase == phaseTask && (g.Task.TimeoutTimer == id || g.Task.HeartbeatTimer == id) ||
			g.Child != nil && g.Child.TimeoutTimer == id && g.Phase != phaseDone
	})
}

func (f *Frame) findTask(id int64) *Frame {
	return f.find(func(g *Frame) bool { return g.Task != nil && g.Phase == phaseTask && g.Task.ID == id })
}

// cancelAll stops every wait below f, asking the driver to drop tasks and timers.
func (f *Frame) cancelAll(x *run) {
	f.walk(func(g *Frame) bool {
		g.cancelWaits(x)
		return true
	})
}

// cancelWaits drops what this frame alone waits for.
func (f *Frame) cancelWaits(x *run) {
	switch f.Phase {
	case phaseTask:
		if f.Task != nil {
			x.command(Command{Kind: CancelTask, TaskID: f.Task.ID})
			if f.Task.TimeoutTimer != 0 {
				x.command(Command{Kind: CancelTimer, TimerID: f.Task.TimeoutTimer})
			}
			if f.Task.HeartbeatTimer != 0 {
				x.command(Command{Kind: CancelTimer, TimerID: f.Task.HeartbeatTimer})
			}
		}
	case phaseWait, phaseRetry:
		x.command(Command{Kind: CancelTimer, TimerID: f.TimerID})
	}
}

func (x *run) newTimer(at time.Time) int64 {
	x.ex.NextTimerID++
	x.command(Command{Kind: StartTimer, TimerID: x.ex.NextTimerID, At: at})
	return x.ex.NextTimerID
}

// maxDelay bounds the delays timers are set for: longer than any execution lasts (a year), so
// that a delay past it still waits for the execution's end.
const maxDelay = 2 * maxStandardDuration

// seconds is n seconds as a Duration, saturated at maxDelay: a count out of a Duration's
// range would wrap round, and its timer fire at once.
func seconds(n float64) time.Duration {
	if n >= maxDelay.Seconds() {
		return maxDelay
	}
	return time.Duration(n * float64(time.Second))
}
