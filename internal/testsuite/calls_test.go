package testsuite

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestExpectCalls: expect.calls checks each call a Task state made (retries and a Map's
// iterations included, in order), by its parameters, the input of a function given by ARN;
// a wrong count or a call's difference fails at its line, and a name that is not one of the
// machine's Task states is refused when the file loads.
func TestExpectCalls(t *testing.T) {
	def := `{"StartAt":"Charge","States":{
		"Charge":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"charge","Payload":{"amount.$":"$.amount"}},
			"Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":1}],"ResultPath":null,"Next":"Each"},
		"Each":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"Notify","States":{
			"Notify":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody.$":"$"},"End":true}}},
			"ResultPath":null,"Next":"Audit"},
		"Audit":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:audit","InputPath":"$.amount","ResultPath":null,"Next":"Big?"},
		"Big?":{"Type":"Choice","Choices":[{"Variable":"$.amount","NumericGreaterThan":100,"Next":"Review"}],"Default":"Done"},
		"Review":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody":"review"},"End":true},
		"Done":{"Type":"Succeed"}}}`
	const head = `stateMachine: sm.asl.json
mocks:
  Charge:
    - throw: {error: Lambda.TooManyRequestsException}
    - return: {Payload: {}}
  Notify: {return: {}}
  Audit: {return: {}}
  Review: {return: {}}
tests:
  - name: a
    input: {amount: 42, items: [a, b]}
    expect:
      calls:
`
	for _, tc := range []struct {
		name, calls, failures string
	}{
		{"as made", `
        Charge: [{Payload: {amount: 42}}, {FunctionName: charge}]
        Notify: [{MessageBody: a}, {MessageBody: b}]
        Audit: [42]
        Review: []`, ""},
		{"a call too many", `
        Charge: [{Payload: {amount: 42}}]`, `14: calls["Charge"]: called 2 times, want 1; the parameters: {"FunctionName":"charge","Payload":{"amount":42}}, {"FunctionName":"charge","Payload":{"amount":42}}`},
		{"never made", `
        Review: [{MessageBody: review}]`, `14: calls["Review"]: called 0 times, want 1`},
		{"a different call", `
        Notify:
          - {MessageBody: a}
          - {MessageBody: c}`, `16: calls["Notify"][1]: $.MessageBody: want "c", got "b"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"sm.asl.json": def, "x.test.yaml": head + strings.TrimPrefix(tc.calls, "\n") + "\n"})
			r := runDir(t, dir, Options{}).Files[0].Tests[0]
			var got []string
			for _, f := range r.Failures {
				got = append(got, fmt.Sprintf("%d: %s: %s", f.Line, f.What, f.Message))
			}
			if r.Problem != "" || strings.Join(got, "\n") != tc.failures {
				t.Errorf("problem %q, failures:\n%s\nwant:\n%s", r.Problem, strings.Join(got, "\n"), tc.failures)
			}
		})
	}
	for _, c := range []struct{ calls, want string }{
		{"{Charje: []}", `x.test.yaml:13: test "a": expect.calls: the state machine has no state "Charje"; did you mean "Charge"?`},
		{"{Each: []}", `x.test.yaml:13: test "a": expect.calls: "Each" is a Map state; only Task states make calls`},
		{"{Charge: {Payload: {}}}", `x.test.yaml:13: test "a": expect.calls["Charge"]: want a list, a value for each call ([] for none)`},
	} {
		dir := writeFiles(t, map[string]string{"sm.asl.json": def, "x.test.yaml": strings.Replace(head, "      calls:\n", "      calls: "+c.calls+"\n", 1)})
		rep, err := Run(context.Background(), []string{dir}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := rep.Files[0].Err; err == nil || !strings.HasSuffix(err.Error(), "/"+c.want) {
			t.Errorf("%s: got %v, want %s", c.calls, err, c.want)
		}
	}
}
