package asl

import "strings"

// task checks the fields of a Task state.
func (s *stateCtx) task() {
	v := s.v
	if _, ok := s.o["Resource"]; !ok {
		v.fail(s.loc, msgRequired, "Resource")
	} else if r, ok := v.str(s.o, "Resource", s.loc); ok {
		v.resource(r, field(s.loc, "Resource"))
	}

	v.pair(s.o, s.loc, "TimeoutSeconds")
	v.pair(s.o, s.loc, "HeartbeatSeconds")
	v.intField(s.o, "TimeoutSeconds", s.loc, between(1, 99999999), s.jctx(false))
	v.intField(s.o, "HeartbeatSeconds", s.loc, between(1, 99999999), s.jctx(false))
	if s.has("TimeoutSecondsPath") {
		v.pathField(s.o, "TimeoutSecondsPath", s.loc, pathReference)
	}
	if s.has("HeartbeatSecondsPath") {
		v.pathField(s.o, "HeartbeatSecondsPath", s.loc, pathReference)
	}
	timeout, tok := integer(s.o["TimeoutSeconds"])
	heartbeat, hok := integer(s.o["HeartbeatSeconds"])
	if tok && hok && heartbeat >= timeout && heartbeat >= 1 && timeout >= 1 {
		v.fail(field(s.loc, "HeartbeatSeconds"), "The value of 'HeartbeatSeconds' must be less than the value of 'TimeoutSeconds'")
	}
	s.credentials()
}

// credentials checks a Task's Credentials: {"RoleArn": ...} or, in JSONPath, {"RoleArn.$": ...}.
func (s *stateCtx) credentials() {
	v := s.v
	c, ok := v.obj(s.o, "Credentials", s.loc)
	if !ok {
		return
	}
	at := field(s.loc, "Credentials")
	_, lit := c["RoleArn"]
	_, dyn := c["RoleArn.$"]
	if !lit && (!dyn || s.jsonata) {
		// Without a role, AWS names the missing role alone, not the fields it does not know
		// (credentials/test_credentials_base: {"InvalidField": "invalid"}).
		v.fail(at, msgRoleArnMissing)
		return
	}
	for _, k := range keysInHashOrder(c) {
		if k != "RoleArn" && !(k == "RoleArn.$" && !s.jsonata) {
			v.fail(at, msgNotSupported, k)
		}
	}
	if lit {
		if role, ok := v.str(c, "RoleArn", at); ok && s.jsonata {
			v.jsonataString(role, field(at, "RoleArn"), &jctx{})
		}
	}
	if dyn && !s.jsonata {
		v.dynamic(c["RoleArn.$"], "RoleArn.$", at)
	}
}

// pass checks the fields of a Pass state.
func (s *stateCtx) pass() {
	if s.has("Result") {
		s.v.staticResult(s.o["Result"], field(s.loc, "Result"))
	}
}

// wait checks the fields of a Wait state: exactly one timing field.
func (s *stateCtx) wait() {
	v := s.v
	v.exclusive(s.o, s.loc, true, "SecondsPath", "Seconds", "TimestampPath", "Timestamp")
	v.intField(s.o, "Seconds", s.loc, between(0, 99999999), s.jctx(false))
	if ts, ok := v.str(s.o, "Timestamp", s.loc); ok {
		if _, expr := jsonataBody(ts); expr && s.jsonata {
			v.jsonataString(ts, field(s.loc, "Timestamp"), s.jctx(false))
		} else if !ValidTimestamp(ts) {
			v.fail(field(s.loc, "Timestamp"), msgNoTimestamp)
		}
	}
	if s.has("SecondsPath") {
		v.pathField(s.o, "SecondsPath", s.loc, pathReference)
	}
	if s.has("TimestampPath") {
		v.pathField(s.o, "TimestampPath", s.loc, pathReference)
	}
}

// fail checks the fields of a Fail state.
func (s *stateCtx) fail() {
	v := s.v
	s.st.terminal = true
	for _, name := range []string{"Error", "Cause"} {
		v.pair(s.o, s.loc, name)
		text, ok := v.str(s.o, name, s.loc)
		switch {
		case !ok:
		case s.jsonata:
			v.jsonataString(text, field(s.loc, name), &jctx{})
		case looksLikePath(text):
			v.warn(CodeNoPath, field(s.loc, name),
				"The value of field '%s' looks like a path, but the field name does not end with 'Path'", name)
		}
		if s.has(name + "Path") {
			v.errorPath(s.o, name+"Path", s.loc)
		}
	}
}

// parallel checks the fields of a Parallel state: a non-empty list of branches.
func (s *stateCtx) parallel() {
	v := s.v
	if _, ok := s.o["Branches"]; !ok {
		v.fail(s.loc, msgRequired, "Branches")
		return
	}
	branches, ok := v.arr(s.o, "Branches", s.loc)
	if !ok {
		return
	}
	at := field(s.loc, "Branches")
	if len(branches) == 0 {
		v.fail(at, msgEmpty)
	}
	for i, b := range branches {
		bo, ok := b.(map[string]any)
		if !ok {
			v.fail(index(at, i), msgExpectedType, "OBJECT")
			continue
		}
		v.subGraph(bo, index(at, i), false)
	}
}

// subGraph checks a Parallel branch or a Map's item processor: a graph of its own, which
// inherits the machine's query language and may not declare one.
func (v *validator) subGraph(o map[string]any, loc string, processor bool) {
	for _, k := range keysInHashOrder(o) {
		switch k {
		case "StartAt", "States", "Comment":
		case "ProcessorConfig":
			if !processor {
				v.fail(loc, msgNotSupported, k)
			}
		default:
			v.fail(loc, msgNotSupported, k)
		}
	}
	v.required(o, loc, "StartAt", "States")
	v.str(o, "Comment", loc)
	v.scope(o, loc, false)
}

// ValidTimestamp reports whether s is an RFC 3339 date-time with an upper-case "T" and either
// "Z" or a numeric offset, as ASL requires: of a literal in the definition, and of a value the
// engine reads from the input (Choice's Timestamp rules, Wait's TimestampPath).
func ValidTimestamp(s string) bool {
	// yyyy-mm-ddThh:mm:ss[.fff...](Z|+hh:mm|-hh:mm)
	if len(s) < 20 {
		return false
	}
	digits := func(from, n int) (int, bool) {
		x := 0
		for i := from; i < from+n; i++ {
			if i >= len(s) || s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			x = x*10 + int(s[i]-'0')
		}
		return x, true
	}
	year, ok1 := digits(0, 4)
	month, ok2 := digits(5, 2)
	day, ok3 := digits(8, 2)
	hour, ok4 := digits(11, 2)
	minute, ok5 := digits(14, 2)
	second, ok6 := digits(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59 {
		return false
	}
	rest := s[19:]
	if strings.HasPrefix(rest, ".") {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	if rest == "Z" {
		return true
	}
	if len(rest) != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' {
		return false
	}
	for _, i := range []int{1, 2, 4, 5} {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	oh := int(rest[1]-'0')*10 + int(rest[2]-'0')
	om := int(rest[4]-'0')*10 + int(rest[5]-'0')
	return oh <= 23 && om <= 59
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
