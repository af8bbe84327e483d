package conformance

import (
	"testing"
)

func TestJudge(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:123456789012:execution:conformance:e-1"
	outcome := func(output string) Outcome {
		return Outcome(`{"executionArn":"` + arn + `","status":"SUCCEEDED","output":` + output + `,"error":null,"cause":null,"history":{"events":[]}}`)
	}
	for _, tc := range []struct {
		name, expectedOutput, output string
		result, order                bool
	}{
		{"same", `"{\"a\":1}"`, `"{\"a\":1}"`, true, true},
		{"other value", `"{\"a\":1}"`, `"{\"a\":2}"`, false, false},
		{"keys in another order", `"{\"b\":1,\"a\":2}"`, `"{\"a\":2,\"b\":1}"`, true, false},
		{"ARN normalised", `"{\"arn\":\"arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>\"}"`,
			`"{\"arn\":\"` + arn + `\"}"`, true, true},
		{"text is not a number", `"1"`, `"\"1\""`, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseCase(`{"id":"x","area":"a","definition":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"input":{},
				"expected":{"status":"SUCCEEDED","output":` + tc.expectedOutput + `,"error":null,"cause":null,"history":null},"needs":[],"source":{}}`)
			if err != nil {
				t.Fatal(err)
			}
			v := Judge(c, outcome(tc.output))
			if v.Result != tc.result || v.History != tc.result || v.Order != tc.order {
				t.Errorf("verdict %+v, want result=history=%v order=%v", v, tc.result, tc.order)
			}
		})
	}
}

// A case runs through the engine and is judged: a Pass state's output, and its whole history.
func TestRunAndJudge(t *testing.T) {
	c, err := parseCase(`{"id":"pass","area":"a","definition":{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"b":1,"a":2},"End":true}}},
		"input":{"x":"date"},"expected":{"status":"SUCCEEDED","output":"{\"b\":1,\"a\":2}","error":null,"cause":null,"history":[
		{"id":1,"previousEventId":0,"timestamp":"timestamp","type":"ExecutionStarted","executionStartedEventDetails":{"input":"{\"x\":\"date\"}","inputDetails":{"truncated":false},"roleArn":"snf_role_arn"}},
		{"id":2,"previousEventId":0,"timestamp":"timestamp","type":"PassStateEntered","stateEnteredEventDetails":{"name":"P","input":"{\"x\":\"date\"}","inputDetails":{"truncated":false}}},
		{"id":3,"previousEventId":2,"timestamp":"timestamp","type":"PassStateExited","stateExitedEventDetails":{"name":"P","output":"{\"b\":1,\"a\":2}","outputDetails":{"truncated":false}}},
		{"id":4,"previousEventId":3,"timestamp":"timestamp","type":"ExecutionSucceeded","executionSucceededEventDetails":{"output":"{\"b\":1,\"a\":2}","outputDetails":{"truncated":false}}}]},
		"needs":[],"source":{}}`)
	if err != nil {
		t.Fatal(err)
	}
	rep := Run(t.Context(), []*Case{c}, Options{})
	v := rep.Verdicts[0]
	if !v.Result || !v.History {
		t.Fatalf("verdict %+v", v)
	}
	if n, r, h, _ := rep.Counts(); n != 1 || r != 1 || h != 1 {
		t.Errorf("counts %d %d %d", n, r, h)
	}
}
