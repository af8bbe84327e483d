package replay

import (
	"github.com/stepwise-run/stepwise/asl/value"
)

// passResult is the state machine most API tests create (BaseTemplate.BASE_PASS_RESULT).
const passResult = "base/statemachines/pass_result.json5"

// createMachine creates a state machine named name from a template, with extra request
// members, and returns the answer.
func (r *replay) createMachine(name, tmpl string, extra map[string]any) map[string]any {
	req := map[string]any{"name": name, "definition": template(r.t, tmpl), "roleArn": role}
	for k, v := range extra {
		req[k] = v
	}
	return r.call("CreateStateMachine", req)
}

// withComment returns a template's definition with "-<suffix>" added to its Comment, as the
// tests make new revisions.
func withComment(r *replay, tmpl, suffix string) string {
	v, err := value.DecodeMaps([]byte(template(r.t, tmpl)))
	if err != nil {
		r.t.Fatal(err)
	}
	m := v.(map[string]any)
	m["Comment"] = m["Comment"].(string) + "-" + suffix
	return value.Encode(m)
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// awaitEnd polls DescribeExecution until the execution has ended.
func (r *replay) awaitEnd(arn string) map[string]any {
	for i := 0; i < 500; i++ {
		d := r.call("DescribeExecution", map[string]any{"executionArn": arn})
		if str(d, "status") != "RUNNING" {
			return d
		}
		sleep()
	}
	r.t.Fatalf("execution %s did not end", arn)
	return nil
}

func itoa(i int) string { return value.FromInt(int64(i)).String() }
