package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/runner"
)

// TestRequiredMembers: a request without a member its action requires, or with it null, is
// refused with the ValidationException of AWS's request validation, naming each one, before
// the action looks at the rest (an ARN of "" used to be InvalidArn).
func TestRequiredMembers(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	null := func(name string) string {
		return "Value null at '" + name + "' failed to satisfy constraint: Member must not be null"
	}
	for _, c := range []struct {
		action, body, want string
	}{
		{"StartExecution", `{"name":"n"}`, "1 validation error detected: " + null("stateMachineArn")},
		{"StartExecution", ``, "1 validation error detected: " + null("stateMachineArn")},
		{"StartExecution", `{"stateMachineArn":null,"input":"{\"stateMachineArn\":1}"}`, "1 validation error detected: " + null("stateMachineArn")},
		{"DescribeExecution", `{}`, "1 validation error detected: " + null("executionArn")},
		{"GetExecutionHistory", `{"maxResults":10}`, "1 validation error detected: " + null("executionArn")},
		{"DescribeStateMachine", `{}`, "1 validation error detected: " + null("stateMachineArn")},
		{"TagResource", `{"resourceArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m"}`, "1 validation error detected: " + null("tags")},
		{"UntagResource", `{}`, "2 validation errors detected: " + null("resourceArn") + "; " + null("tagKeys")},
		{"SendTaskSuccess", `{"output":"{}"}`, "1 validation error detected: " + null("taskToken")},
		{"CreateStateMachineAlias", `{}`, "2 validation errors detected: " + null("name") + "; " + null("routingConfiguration")},
		{"CreateStateMachine", `{"definition":"{}"}`, "2 validation errors detected: " + null("name") + "; " + null("roleArn")},
	} {
		t.Run(c.action+" "+c.body, func(t *testing.T) {
			w := post(s, c.action, c.body)
			want := `{"__type":"ValidationException","message":"` + c.want + `"}`
			if w.Code != 400 || w.Body.String() != want {
				t.Errorf("%d %s\nwant 400 %s", w.Code, w.Body.String(), want)
			}
		})
	}
}

// A request with its required members, even one whose input holds their names and nulls, goes
// on to its action.
func TestRequiredMembersPresent(t *testing.T) {
	for _, c := range []struct{ action, body string }{
		{"StartExecution", `{"stateMachineArn":"x"}`},
		{"StartExecution", `{"stateMachineArn":"x","input":"{\"a\":null}"}`},
		{"StartExecution", `{"\u0073tateMachineArn":"x"}`},
		{"ListStateMachines", `{}`},
		{"ListExecutions", `{"stateMachineArn":null}`},
	} {
		if e := checkRequired(c.action, []byte(c.body)); e != nil {
			t.Errorf("%s %s: %v", c.action, c.body, e)
		}
	}
}

// TestNameLength: a name of no characters or more than 80 is refused by AWS's request
// validation (ValidationException, the model's bounds), before its characters are looked at
// (InvalidName) and before the state machine is looked up: the server here has no store.
func TestNameLength(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	long := strings.Repeat("a", 81)
	tooLong := "1 validation error detected: Value '" + long + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"
	empty := "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"
	const sm = `"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:missing"`
	const def = `"definition":"{}","roleArn":"arn:aws:iam::123456789012:role/r"`
	for _, c := range []struct {
		action, body, want string
	}{
		{"StartExecution", `{` + sm + `,"name":"` + long + `"}`, tooLong},
		{"StartExecution", `{` + sm + `,"name":"` + long + ` "}`, "1 validation error detected: Value '" + long + " ' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"},
		{"StartExecution", `{` + sm + `,"name":""}`, empty},
		{"StartSyncExecution", `{` + sm + `,"name":"` + long + `"}`, tooLong},
		{"CreateStateMachine", `{"name":"` + long + `",` + def + `}`, tooLong},
		{"CreateStateMachine", `{"name":"",` + def + `}`, empty},
		{"CreateStateMachine", `{"name":"m","definition":"","roleArn":""}`, "2 validation errors detected: " +
			"Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
			"Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"CreateActivity", `{"name":"` + long + `"}`, tooLong},
		{"CreateActivity", `{"name":""}`, empty},
	} {
		t.Run(c.action, func(t *testing.T) {
			w := post(s, c.action, c.body)
			want := `{"__type":"ValidationException","message":"` + c.want + `"}`
			if w.Code != 400 || w.Body.String() != want {
				t.Errorf("%d %s\nwant 400 %s", w.Code, w.Body.String(), want)
			}
		})
	}
	if problem := runner.NameLength(strings.Repeat("é", 80)); problem != "" {
		t.Errorf("80 characters of two bytes: %s", problem)
	}
}

// TestTaskAnswerBounds: SendTaskFailure's error and cause, and every SendTask* taskToken, are
// held to the API model's lengths before the token is looked up (the server here has no
// store), as AWS's request validation does: an error of 300 characters was recorded in the
// execution's history.
func TestTaskAnswerBounds(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	long := strings.Repeat("t", 2049)
	for _, c := range []struct {
		action, body, want string
	}{
		{"SendTaskFailure", `{"taskToken":"abc","error":"` + strings.Repeat("e", 257) + `"}`,
			"1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"SendTaskFailure", `{"taskToken":"abc","error":"e","cause":"` + strings.Repeat("c", 32769) + `"}`,
			"1 validation error detected: Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to 32768"},
		{"SendTaskFailure", `{"taskToken":"` + long + `","error":"` + strings.Repeat("e", 257) + `"}`,
			"2 validation errors detected: Value '" + long + "' at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to 2048; Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"SendTaskHeartbeat", `{"taskToken":""}`,
			"1 validation error detected: Value '' at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"SendTaskSuccess", `{"taskToken":"` + long + `","output":"{}"}`,
			"1 validation error detected: Value '" + long + "' at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to 2048"},
	} {
		t.Run(c.action, func(t *testing.T) {
			w := post(s, c.action, c.body)
			want := `{"__type":"ValidationException","message":"` + c.want + `"}`
			if w.Code != 400 || w.Body.String() != want {
				t.Errorf("%d %.300s\nwant 400 %.300s", w.Code, w.Body.String(), want)
			}
		})
	}
	// A token of AWS's length that is not one of Stepwise's is still InvalidToken.
	w := post(s, "SendTaskHeartbeat", `{"taskToken":"`+strings.Repeat("t", 2048)+`"}`)
	if !strings.Contains(w.Body.String(), "InvalidToken") {
		t.Errorf("a token of 2048 characters: %s", w.Body.String())
	}
}

// TestSensitiveValuesNotEchoed: the model marks version and alias descriptions sensitive, and
// AWS's request validation names a sensitive member without its value, as it does input,
// output, error and cause.
func TestSensitiveValuesNotEchoed(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	secret := strings.Repeat("s", 257)
	const sm = `"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m"`
	for _, c := range []struct {
		action, body, want string
	}{
		{"PublishStateMachineVersion", `{` + sm + `,"description":"` + secret + `"}`,
			"Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"CreateStateMachineAlias", `{"name":"a","description":"` + secret + `","routingConfiguration":[{"stateMachineVersionArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m:1","weight":100}]}`,
			"Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"CreateStateMachine", `{"name":"m","definition":"{}","roleArn":"arn:aws:iam::123456789012:role/r","publish":true,"versionDescription":"` + secret + `"}`,
			"Value at 'versionDescription' failed to satisfy constraint: Member must have length less than or equal to 256"},
	} {
		t.Run(c.action, func(t *testing.T) {
			w := post(s, c.action, c.body)
			want := `{"__type":"ValidationException","message":"1 validation error detected: ` + c.want + `"}`
			if w.Code != 400 || w.Body.String() != want {
				t.Errorf("%d %.400s\nwant 400 %s", w.Code, w.Body.String(), want)
			}
		})
	}
}

// TestStartBounds: StartExecution's input over 262,144 characters and a trace header over 256
// characters or not ASCII are refused by the model's bounds before the state machine is looked
// up (the server here has no store), each named, the input without its value.
func TestStartBounds(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	const sm = `"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:missing"`
	long := strings.Repeat("t", 257)
	for _, c := range []struct {
		name, body, want string
	}{
		{"input", `{` + sm + `,"input":"\"` + strings.Repeat("i", 262144) + `\""}`,
			"1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144"},
		{"trace header", `{` + sm + `,"traceHeader":"` + long + `"}`,
			"1 validation error detected: Value '" + long + "' at 'traceHeader' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"trace header not ASCII", `{` + sm + `,"traceHeader":"Root=é"}`,
			`1 validation error detected: Value 'Root=é' at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{ASCII}*`},
		{"all", `{` + sm + `,"name":"a b","input":"\"` + strings.Repeat("i", 262144) + `\"","traceHeader":"` + long + `"}`,
			"2 validation errors detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144; Value '" + long + "' at 'traceHeader' failed to satisfy constraint: Member must have length less than or equal to 256"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := post(s, "StartExecution", c.body)
			want := `{"__type":"ValidationException","message":"` + c.want + `"}`
			if w.Code != 400 || w.Body.String() != want {
				t.Errorf("%d %.400s\nwant 400 %.400s", w.Code, w.Body.String(), want)
			}
		})
	}
}

// TestLabeledArns: the API reference says DescribeStateMachine, UpdateStateMachine,
// DeleteStateMachine and StartExecution fail with ValidationException on the ARN of a
// Distributed Map state (…:stateMachine:NAME/LABEL); DeleteStateMachine answered 200 and the
// others StateMachineDoesNotExist. Refused before any lookup: the server here has no store.
func TestLabeledArns(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	const labeled = "arn:aws:states:us-east-1:123456789012:stateMachine:m/Map"
	for _, c := range []struct{ action, body string }{
		{"DescribeStateMachine", `{"stateMachineArn":"` + labeled + `"}`},
		{"UpdateStateMachine", `{"stateMachineArn":"` + labeled + `","roleArn":"arn:aws:iam::123456789012:role/r"}`},
		{"DeleteStateMachine", `{"stateMachineArn":"` + labeled + `"}`},
		{"StartExecution", `{"stateMachineArn":"` + labeled + `"}`},
		{"StartSyncExecution", `{"stateMachineArn":"` + labeled + `"}`},
	} {
		t.Run(c.action, func(t *testing.T) {
			w := post(s, c.action, c.body)
			if w.Code != 400 || !strings.Contains(w.Body.String(), `"__type":"ValidationException"`) || !strings.Contains(w.Body.String(), labeled) {
				t.Errorf("%d %s, want ValidationException naming the ARN", w.Code, w.Body.String())
			}
		})
	}
	for _, arn := range []string{"arn:aws:states:us-east-1:123456789012:stateMachine:m", "arn:aws:states:us-east-1:123456789012:stateMachine:m:1",
		"arn:aws:states:us-east-1:123456789012:execution:m/Map:e", "not-an-arn/x"} {
		if err := refuseLabeled(arn); err != nil {
			t.Errorf("%s: %v", arn, err)
		}
	}
}

func TestPresentNotNull(t *testing.T) {
	for body, want := range map[string]bool{
		`{"a":"x"}`: true, `{ "a" : "x" }`: true, `{"a":1}`: true, `{"a":null}`: false, `{"a" :  null}`: false,
		`{"b":"a"}`: false, `{"b":"\"a\""}`: false, `{}`: false, `{"a"`: false, `{"a":`: false,
	} {
		if got := presentNotNull([]byte(body), []byte(`"a"`)); got != want {
			t.Errorf("%s: %v, want %v", body, got, want)
		}
	}
}

// TestValidateDefinitionBounds: ValidateStateMachineDefinition's type and severity are enums
// and its maxResults runs 0 to 100 in the model; AWS's request validation refuses others,
// which were read as the defaults.
func TestValidateDefinitionBounds(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	for _, c := range []struct{ body, want string }{
		{`{"definition":"{}","type":"standard"}`, "1 validation error detected: Value 'standard' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"},
		{`{"definition":"{}","severity":"warning"}`, "1 validation error detected: Value 'warning' at 'severity' failed to satisfy constraint: Member must satisfy enum value set: [ERROR, WARNING]"},
		{`{"definition":"{}","maxResults":101}`, "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{`{"definition":"","maxResults":-1}`, "2 validation errors detected: Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
			"Value '-1' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0"},
	} {
		w := post(s, "ValidateStateMachineDefinition", c.body)
		want := `{"__type":"ValidationException","message":"` + c.want + `"}`
		if w.Code != 400 || w.Body.String() != want {
			t.Errorf("%s: %d %s\nwant 400 %s", c.body, w.Code, w.Body.String(), want)
		}
	}
	w := post(s, "ValidateStateMachineDefinition", `{"definition":"{}","type":"EXPRESS","severity":"WARNING","maxResults":100}`)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"result":"FAIL"`) {
		t.Errorf("a valid request: %d %s", w.Code, w.Body.String())
	}
}

// TestIncludedDataEnum: includedData is ALL_DATA or METADATA_ONLY in the model; AWS's request
// validation refuses another value, which was ignored. Checked before any lookup (no store).
func TestIncludedDataEnum(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	const want = `{"__type":"ValidationException","message":"1 validation error detected: Value 'all' at 'includedData' failed to satisfy constraint: Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]"}`
	for _, c := range []struct{ action, body string }{
		{"DescribeExecution", `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:e","includedData":"all"}`},
		{"DescribeStateMachineForExecution", `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:e","includedData":"all"}`},
		{"DescribeStateMachine", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","includedData":"all"}`},
		{"StartSyncExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","includedData":"all"}`},
	} {
		t.Run(c.action, func(t *testing.T) {
			w := post(s, c.action, c.body)
			if w.Code != 400 || w.Body.String() != want {
				t.Errorf("%d %s\nwant 400 %s", w.Code, w.Body.String(), want)
			}
		})
	}
}

// post sends body to s as the AWS SDKs send action, and returns the answer.
func post(s *Server, action, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

// TestPayloadBytes: an execution's input and a task's output (and TestState's input,
// variables and context, of the same type) are bounded in bytes of UTF-8, as the API
// reference says of them, not in characters: 100,000 three-byte characters are
// too many, refused before anything is looked up (the server here has no store).
func TestPayloadBytes(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	const sm = `"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:missing"`
	wide := `"\"` + strings.Repeat("€", 100000) + `\""`
	for _, c := range []struct{ action, member, body string }{
		{"StartExecution", "input", `{` + sm + `,"input":` + wide + `}`},
		{"StartSyncExecution", "input", `{` + sm + `,"input":` + wide + `}`},
		{"SendTaskSuccess", "output", `{"taskToken":"abc","output":` + wide + `}`},
		{"TestState", "input", `{"definition":"{}","input":` + wide + `}`},
		{"TestState", "variables", `{"definition":"{}","variables":` + wide + `}`},
		{"TestState", "context", `{"definition":"{}","context":` + wide + `}`},
	} {
		w := post(s, c.action, c.body)
		want := `{"__type":"ValidationException","message":"1 validation error detected: Value at '` + c.member + `' failed to satisfy constraint: Member must have length less than or equal to 262144"}`
		if w.Body.String() != want {
			t.Errorf("%s, 100,000 characters in 300,000 bytes: %d %.300s", c.action, w.Code, w.Body.String())
		}
	}
}
