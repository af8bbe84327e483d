package engine_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
)

// TestKeyOrder: objects keep their keys in order from the input, through templates, paths,
// intrinsics, JSONata, ResultPath, variables, Map and Parallel, to the output and to every
// history event, as AWS keeps them.
func TestKeyOrder(t *testing.T) {
	const in = `{"b":1,"a":{"z":true,"y":null}}`
	for _, tc := range []struct {
		name, states, want string
	}{
		{"Pass passes its input unchanged",
			`"S":{"Type":"Pass","End":true}`,
			in},
		{"a Parameters template: literal fields, then the .$ fields in a Java HashMap's order",
			`"S":{"Type":"Pass","Parameters":{"z.$":"$.b","y":1,"x.$":"States.JsonToString($)","w.$":"$.a"},"End":true}`,
			`{"y":1,"w":{"z":true,"y":null},"x":"{\"b\":1,\"a\":{\"z\":true,\"y\":null}}","z":1}`},
		{"a literal Result",
			`"S":{"Type":"Pass","Result":{"q":1,"p":{"s":2,"r":3}},"End":true}`,
			`{"q":1,"p":{"s":2,"r":3}}`},
		{"ResultPath into an existing key keeps its place",
			`"S":{"Type":"Pass","Result":"r","ResultPath":"$.b","End":true}`,
			`{"b":"r","a":{"z":true,"y":null}}`},
		{"ResultPath to a new key puts it last",
			`"S":{"Type":"Pass","Result":"r","ResultPath":"$.a.c","End":true}`,
			`{"b":1,"a":{"z":true,"y":null,"c":"r"}}`},
		{"a variable keeps its order",
			`"S":{"Type":"Pass","Assign":{"v.$":"$"},"Next":"T"},"T":{"Type":"Pass","Parameters":{"o.$":"$v"},"End":true}`,
			`{"o":` + in + `}`},
		{"Map items and ItemSelector",
			`"S":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
				"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ResultPath":"$.xs","End":true}`,
			`{"xs":[{"v":{"d":1,"c":2},"i":0}]}`},
		{"Parallel branches",
			`"S":{"Type":"Parallel","Branches":[{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}],"End":true}`,
			`[` + in + `]`},
		{"an error output is Error then Cause",
			`"S":{"Type":"Fail","Error":"E","Cause":"C"}`,
			``},
		{"a caught error output",
			`"S":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}],
				"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"T"}],"Next":"T"},"T":{"Type":"Pass","End":true}`,
			`{"b":1,"a":{"z":true,"y":null},"err":{"Error":"E","Cause":"C"}}`},
		{"the Context object in AWS's order",
			`"S":{"Type":"Pass","Parameters":{"k.$":"States.JsonToString($$.State)"},"End":true}`,
			`{"k":"{\"Name\":\"S\",\"EnteredTime\":\"2026-01-02T03:04:05Z\"}"}`}, // a Pass state has no RetryCount
	} {
		t.Run(tc.name, func(t *testing.T) {
			input := in
			if strings.Contains(tc.states, "$.xs") {
				input = `{"xs":[{"d":1,"c":2}]}`
			}
			def := `{"StartAt":"S","States":{` + tc.states + `}}`
			ex, events := execute(t, def, input, nil, engine.Config{})
			if tc.want == "" {
				return
			}
			if ex.Status != engine.Succeeded || ex.Output != tc.want {
				t.Fatalf("%s %s %s, want %s", ex.Status, ex.Output, deref(ex.Cause), tc.want)
			}
			last := events[len(events)-1]
			data, err := json.Marshal(last)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := json.Marshal(tc.want); !bytes.Contains(data, want) {
				t.Errorf("history event %s does not hold the output %s", data, want)
			}
		})
	}
}

// TestKeyOrderJSONata: JSONata objects and functions see and keep the order of the keys.
func TestKeyOrderJSONata(t *testing.T) {
	def := `{"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Output":{
		"z":"{% $keys($states.input) %}",
		"y":"{% $string($states.input) %}",
		"x":"{% {'d': 1, 'c': $states.input.a} %}",
		"w":"{% $states.input.* %}"},"End":true}}}`
	ex, _ := execute(t, def, `{"b":1,"a":2}`, nil, engine.Config{})
	want := `{"z":["b","a"],"y":"{\"b\":1,\"a\":2}","x":{"d":1,"c":2},"w":[1,2]}`
	if ex.Status != engine.Succeeded || ex.Output != want {
		t.Fatalf("%s %s %s, want %s", ex.Status, ex.Output, deref(ex.Cause), want)
	}
}

// TestKeyOrderAfterReload: an execution saved in the middle and loaded again (what a durable
// store does) keeps the order of its input, variables and outputs.
func TestKeyOrderAfterReload(t *testing.T) {
	def := `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Assign":{"v.$":"$.m"},"Parameters":{"n":1,"m.$":"$.o"},"Next":"W"},
		"W":{"Type":"Wait","Seconds":60,"Next":"P"},
		"P":{"Type":"Pass","Parameters":{"in.$":"$","var.$":"$v","ctx.$":"$$.Execution.Input"},"End":true}}}`
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := engine.New(sm, engine.Config{Region: "us-east-1"})
	ex, step := in.Start(engine.Start{ExecutionArn: "arn:x", Input: `{"o":{"b":1,"a":2}}`, Time: t0})
	saved, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var loaded engine.Execution
	dec := json.NewDecoder(bytes.NewReader(saved))
	dec.UseNumber()
	if err := dec.Decode(&loaded); err != nil {
		t.Fatal(err)
	}
	fire := step.Commands[len(step.Commands)-1]
	in.Apply(&loaded, engine.Event{Kind: engine.TimerFired, TimerID: fire.TimerID, Time: fire.At})
	want := `{"in":{"n":1,"m":{"b":1,"a":2}},"var":{"b":1,"a":2},"ctx":{"o":{"b":1,"a":2}}}`
	if loaded.Status != engine.Succeeded || loaded.Output != want {
		t.Fatalf("after reload: %s %s %s, want %s", loaded.Status, loaded.Output, deref(loaded.Cause), want)
	}
}

// TestKeyOrderTemplateFields: AWS writes a JSONPath template's literal fields first, in the
// definition's order, then its ".$" fields (paths and intrinsic functions alike) in the order
// a java.util.HashMap of their names iterates them. Each case is a template recorded in
// ../shared/spec/aws-recordings (v2/, with its definition in templates/), with the order AWS
// wrote its output in.
func TestKeyOrderTemplateFields(t *testing.T) {
	for _, tc := range []struct {
		name, state, input, want string
	}{
		{"scenarios/map_state_item_selector.json5: the literal first",
			`{"Type":"Map","ItemsPath":"$.shipped","MaxConcurrency":1,
				"ItemSelector":{"original_input.$":"$","iteration_input_value.$":"$$.Map.Item.Value","iteration_index.$":"$$.Map.Item.Index",
					"from_input_constant.$":"$.delivery-partner","constant_value":"HelloWorld"},
				"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}`,
			`{"delivery-partner":"p","shipped":["a"]}`,
			`[{"constant_value":"HelloWorld","iteration_input_value":"a","from_input_constant":"p","iteration_index":0,"original_input":{"delivery-partner":"p","shipped":["a"]}}]`},
		{"scenarios/map_state_legacy_reentrant.json5: a path before an intrinsic function",
			`{"Type":"Pass","Parameters":{"Iterations.$":"States.MathAdd($.Iterations, -1)","Values.$":"$.Values"},"End":true}`,
			`{"Iterations":1,"Values":[0,1]}`,
			`{"Values":[0,1],"Iterations":0}`},
		{"scenarios/map_state_config_inline_parameters.json5",
			`{"Type":"Pass","Parameters":{"constantValue":"constant","mapValue.$":"$.v","fromInput.$":"$.xs"},"End":true}`,
			`{"v":"Hello","xs":["Hello","World"]}`,
			`{"constantValue":"constant","mapValue":"Hello","fromInput":["Hello","World"]}`},
		{"assign/base_assign_from_intrinsic_function.json5: nested, intrinsic functions only",
			`{"Type":"Pass","Parameters":{"arrayOps":{"simpleArray.$":"States.Array('a', 'b', 'c')","partitionedArray.$":"States.ArrayPartition($.inputArray, 2)",
				"containsElement.$":"States.ArrayContains($.inputArray, 5)","numberRange.$":"States.ArrayRange(1, 10, 2)",
				"thirdElement.$":"States.ArrayGetItem($.inputArray, 2)","arraySize.$":"States.ArrayLength($.inputArray)",
				"uniqueValues.$":"States.ArrayUnique($.duplicateArray)"},
				"encodingOps":{"encoded.$":"States.Base64Encode($.rawString)","decoded.$":"States.Base64Decode($.encodedString)"}},"End":true}`,
			`{"inputArray":[1,2,3,4,5,6],"duplicateArray":[1,2,2,3,3,4],"rawString":"Hello World","encodedString":"SGVsbG8gV29ybGQ="}`,
			`{"arrayOps":{"uniqueValues":[1,2,3,4],"simpleArray":["a","b","c"],"thirdElement":3,"partitionedArray":[[1,2],[3,4],[5,6]],"arraySize":6,"containsElement":true,"numberRange":[1,3,5,7,9]},` +
				`"encodingOps":{"decoded":"Hello World","encoded":"SGVsbG8gV29ybGQ="}}`},
		{"assign/base_assign_from_intrinsic_function.json5: the same in Assign",
			`{"Type":"Pass","Assign":{"encodingOps":{"encoded.$":"States.Base64Encode($.rawString)","decoded.$":"States.Base64Decode($.encodedString)"}},"Next":"T"},
			 "T":{"Type":"Pass","Parameters":{"v.$":"$encodingOps"},"End":true}`,
			`{"rawString":"Hello World","encodedString":"SGVsbG8gV29ybGQ="}`,
			`{"v":{"decoded":"Hello World","encoded":"SGVsbG8gV29ybGQ="}}`},
		{"base/query_context_object_values.json5: 13 fields, a map of 32 buckets",
			`{"Type":"Pass","Parameters":{"context_object.$":"$$.State.Name","execution.$":"$$.Execution.Name","execution_id.$":"$$.Execution.Name",
				"execution_input.$":"$$.Execution.Name","execution_name.$":"$$.Execution.Name","execution_rolearn.$":"$$.Execution.Name",
				"execution_starttime.$":"$$.Execution.Name","state.$":"$$.State.Name","state_enteredtime.$":"$$.State.Name",
				"state_name.$":"$$.State.Name","statemachine.$":"$$.StateMachine.Name","statemachine_id.$":"$$.StateMachine.Name",
				"statemachine_name.$":"$$.StateMachine.Name"},"End":true}`,
			`{}`,
			`{"execution":"ex","execution_rolearn":"ex","execution_name":"ex","statemachine_id":"sm","execution_id":"ex","execution_input":"ex",` +
				`"execution_starttime":"ex","state_name":"S","state_enteredtime":"S","statemachine":"sm","state":"S","context_object":"S","statemachine_name":"sm"}`},
		{"a Result has no .$ fields: the definition's order",
			`{"Type":"Pass","Result":{"z":1,"a":{"y":2,"b":3}},"End":true}`,
			`{}`,
			`{"z":1,"a":{"y":2,"b":3}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def := `{"StartAt":"S","States":{"S":` + tc.state + `}}`
			ex, _ := execute(t, def, tc.input, nil, engine.Config{})
			if ex.Status != engine.Succeeded || ex.Output != tc.want {
				t.Fatalf("%s %s %s\nwant %s", ex.Status, ex.Output, deref(ex.Cause), tc.want)
			}
		})
	}
}
