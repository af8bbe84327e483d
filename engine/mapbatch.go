package engine

import (
	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/history"
)

// maxBatchBytes is the most a batch's input may hold (256 KiB), AWS's limit on an
// execution's input and the bound of MaxInputBytesPerBatch.
const maxBatchBytes = 256 * 1024

// batchItems groups a Distributed Map's items as its ItemBatcher says: ItemSelector is applied
// to each item first, then the selected items fill batches in order, each closed when it holds
// MaxItemsPerBatch items or one more would make its input exceed MaxInputBytesPerBatch bytes.
// A child's input is {"BatchInput": ..., "Items": [...]} (BatchInput only when given). It
// replaces m.Items with the children's inputs and records each batch's size in m.Sizes.
func (x *run) batchItems(f *Frame, st *asl.State, sc *scope, m *MapRun) error {
	b := st.ItemBatcher
	maxItems, hasItems, err := x.intField(sc, b.MaxItemsPerBatch, "MaxItemsPerBatch")
	if err != nil {
		return err
	}
	if hasItems && maxItems < 1 {
		return sc.runtimeErr("MaxItemsPerBatch must be greater than 0, but was %d.", maxItems)
	}
	maxBytes, hasBytes, err := x.intField(sc, b.MaxInputBytesPerBatch, "MaxInputBytesPerBatch")
	if err != nil {
		return err
	}
	if hasBytes && (maxBytes < 1 || maxBytes > maxBatchBytes) {
		return sc.runtimeErr("MaxInputBytesPerBatch must be between 1 and %d, but was %d.", maxBatchBytes, maxBytes)
	}
	if !hasBytes {
		maxBytes = maxBatchBytes
	}
	var batchInput any
	base := len(`{"Items":[]}`)
	if b.BatchInput != nil {
		if batchInput, err = sc.template(b.BatchInput, "BatchInput"); err != nil {
			return err
		}
		base += len(`"BatchInput":,`) + len(value.Encode(batchInput))
	}
	var batches []any
	var sizes []int
	var cur []any
	size := base
	flush := func() {
		in := value.NewObject(2) // BatchInput first, as AWS writes it
		if b.BatchInput != nil {
			in.Set("BatchInput", batchInput)
		}
		in.Set("Items", cur)
		batches = append(batches, in)
		sizes = append(sizes, len(cur))
		cur, size = nil, base
	}
	for i, item := range m.Items {
		sel, err := x.selectItem(f, st, m, i, item)
		if err != nil {
			return err
		}
		encoded := len(value.Encode(sel))
		n := encoded
		if len(cur) > 0 {
			n++ // the comma
		}
		if len(cur) > 0 && (size+n > int(maxBytes) || (hasItems && int64(len(cur)) >= maxItems)) {
			flush()
			n = encoded
		}
		if size+n > int(maxBytes) {
			return sc.runtimeErr("The item at index %d does not fit in a batch of at most %d bytes.", i, maxBytes)
		}
		cur = append(cur, sel)
		size += n
	}
	if len(cur) > 0 {
		flush()
	}
	m.Items, m.Sizes, m.ItemsTotal = batches, sizes, len(m.Items)
	if m.Items == nil {
		// No items, no batches: Sizes stays nil, as it is once the run is saved and loaded
		// (omitempty), so that the run's records (their executionCounts) do not depend on
		// whether the run was reloaded; with nothing to count the two counts agree anyway.
		m.Items, m.Sizes = []any{}, nil
	}
	m.Results = make([]any, len(m.Items))
	return nil
}

// size is the number of items child i carries.
func (m *MapRun) size(i int) int {
	if m.Sizes == nil {
		return 1
	}
	return m.Sizes[i]
}

// itemTotal is the number of items the Map state iterates over.
func (m *MapRun) itemTotal() int {
	if m.Sizes == nil {
		return len(m.Items)
	}
	return m.ItemsTotal
}

// itemsFailed is the number of items whose child failed or timed out: every item of a
// failed batch.
func (m *MapRun) itemsFailed() int {
	if m.Sizes == nil {
		return m.Failed + m.TimedOut
	}
	return m.ItemsFailed + m.ItemsTimedOut
}

// itemCounts counts the run's items for DescribeMapRun; executions are counted as children.
func (m *MapRun) itemCounts(exec MapRunCounts) MapRunCounts {
	if m.Sizes == nil {
		return exec
	}
	c := MapRunCounts{Succeeded: int64(m.ItemsSucceeded), Failed: int64(m.ItemsFailed), TimedOut: int64(m.ItemsTimedOut),
		Aborted: int64(m.ItemsAborted), Total: int64(m.itemTotal()), ResultsWritten: int64(m.ItemsSucceeded)}
	for i := m.Next; i < len(m.Items); i++ {
		c.Pending += int64(m.Sizes[i])
	}
	for _, r := range m.Redo {
		c.Pending += int64(m.Sizes[r.Index])
	}
	c.Running = c.Total - c.Pending - c.Succeeded - c.Failed - c.TimedOut - c.Aborted
	return c
}

// runFailed fails a Distributed Map whose run started and no child runs: MapRunFailed,
// MapStateFailed, then the state's failure.
func (x *run) runFailed(f *Frame, st *asl.State, m *MapRun, fl failure) {
	x.mapRunChanged(m, MapRunFailed)
	x.emit(f, history.Event{Type: "MapRunFailed", Details: &history.Failure{Error: history.Str(fl.Error), Cause: history.Str(fl.Cause)}})
	x.emit(f, history.Event{Type: "MapStateFailed"})
	x.stateFailed(f, st, fl)
}

// writerUnsupported reports a ResultWriter Stepwise cannot apply: the NONE Transformation
// without an S3 Resource (whose output holds each child execution's metadata).
func writerUnsupported(st *asl.State) *failure {
	w := st.Writer
	if w == nil || st.ProcessorMode != "DISTRIBUTED" {
		return nil
	}
	switch {
	case w.Resource != "":
		return nil
	case w.Transformation != "COMPACT" && w.Transformation != "FLATTEN":
		return &failure{Error: "States.ResultWriterFailed",
			Cause: "Stepwise does not apply the Transformation " + w.Transformation + " (the children's execution metadata); use COMPACT or FLATTEN."}
	}
	return nil
}

// writeResults applies a Distributed Map's WriterConfig (without Resource) to its output:
// COMPACT keeps the children's outputs, FLATTEN joins those that are arrays into one array.
func writeResults(st *asl.State, results []any) any {
	w := st.Writer
	if w == nil || st.ProcessorMode != "DISTRIBUTED" || w.Transformation != "FLATTEN" {
		return results
	}
	out := []any{}
	for _, r := range results {
		if a, ok := r.([]any); ok {
			out = append(out, a...)
		} else {
			out = append(out, r)
		}
	}
	return out
}
