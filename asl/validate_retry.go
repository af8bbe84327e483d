package asl

const statesAll = "States.ALL"

var (
	retrierFields = setOf("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment")
	catcherFields = setOf("ErrorEquals", "Next", "ResultPath", "Output", "Assign", "Comment")
)

// retry checks a Task, Parallel or Map state's Retry list.
func (s *stateCtx) retry() {
	v := s.v
	list, ok := v.arr(s.o, "Retry", s.loc)
	if !ok {
		return
	}
	at := field(s.loc, "Retry")
	for i, r := range list {
		loc := index(at, i)
		o, ok := r.(map[string]any)
		if !ok {
			v.fail(loc, msgExpectedType, "OBJECT")
			continue
		}
		for _, k := range keysInHashOrder(o) {
			if !retrierFields[k] {
				v.fail(loc, msgNotSupported, k)
			}
		}
		v.required(o, loc, "ErrorEquals")
		v.errorEquals(o, loc, i == len(list)-1, "Retrier")
		v.str(o, "Comment", loc)
		v.intField(o, "IntervalSeconds", loc, between(0, 99999999), nil)
		v.intField(o, "MaxAttempts", loc, between(0, 99999999), nil)
		v.numberField(o, "BackoffRate", loc, "1.0", "", nil)
		v.intField(o, "MaxDelaySeconds", loc, between(1, 31622400), nil)
		if _, ok := o["JitterStrategy"]; ok {
			v.enum(o, "JitterStrategy", loc, "FULL", "NONE")
		}
	}
}

// catch checks a Task, Parallel or Map state's Catch list.
func (s *stateCtx) catch() {
	v := s.v
	list, ok := v.arr(s.o, "Catch", s.loc)
	if !ok {
		return
	}
	at := field(s.loc, "Catch")
	for i, r := range list {
		loc := index(at, i)
		o, ok := r.(map[string]any)
		if !ok {
			v.fail(loc, msgExpectedType, "OBJECT")
			continue
		}
		for _, k := range keysInHashOrder(o) {
			switch msg, conflict := modeConflict(k, s.jsonata); {
			case !catcherFields[k]:
				v.fail(loc, msgNotSupported, k)
			case conflict:
				v.fail(loc, msg, k)
			}
		}
		v.required(o, loc, "ErrorEquals", "Next")
		v.errorEquals(o, loc, i == len(list)-1, "Catcher")
		v.str(o, "Comment", loc)
		if next, ok := v.str(o, "Next", loc); ok {
			s.st.edges = append(s.st.edges, edge{next, field(loc, "Next")})
		}
		var c *jctx
		if s.jsonata {
			c = &jctx{errorOutput: true}
			if out, ok := o["Output"]; ok {
				v.jsonataValue(out, field(loc, "Output"), c)
			}
		} else if _, ok := o["ResultPath"]; ok {
			v.pathField(o, "ResultPath", loc, pathResult)
		}
		if a, ok := o["Assign"]; ok {
			v.assign(a, field(loc, "Assign"), c)
		}
	}
}

// errorEquals checks a retrier's or catcher's ErrorEquals: a non-empty list of error names in
// which States.ALL stands alone, and only in the last retrier or catcher.
func (v *validator) errorEquals(o map[string]any, loc string, last bool, what string) {
	list, ok := v.arr(o, "ErrorEquals", loc)
	if !ok {
		return
	}
	at := field(loc, "ErrorEquals")
	if len(list) == 0 {
		v.fail(at, msgEmpty)
		return
	}
	all := false
	for i, e := range list {
		name, ok := e.(string)
		if !ok {
			v.fail(index(at, i), msgExpectedType, "STRING")
			continue
		}
		if name == statesAll {
			all = true
		}
	}
	if !all {
		return
	}
	if len(list) > 1 {
		v.fail(at, "'%s' must appear alone in ErrorEquals", statesAll)
	}
	if !last {
		v.fail(at, "'%s' must appear in the last %s", statesAll, what)
	}
}
