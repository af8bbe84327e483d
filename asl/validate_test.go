package asl_test

import (
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
)

// The expected diagnostics are AWS's, recorded with ValidateStateMachineDefinition and
// CreateStateMachine (see shared/spec/digest.md §1.4 and aws-recordings/v2/test_sfn_api_validation).
func TestValidate(t *testing.T) {
	const pass = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	tests := []struct {
		name    string
		def     string
		express bool
		want    []asl.Diagnostic
	}{
		{name: "valid", def: pass},
		{name: "empty string", def: "", want: []asl.Diagnostic{
			{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "Definition must be a valid JSON object"}}},
		{name: "not JSON", def: "not a definition", want: []asl.Diagnostic{{Severity: "ERROR", Code: "INVALID_JSON_DESCRIPTION",
			Message:  "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]",
			Location: "[Source: (String)\"not a definition\"; line: 1, column: 4]"}}},
		{name: "empty object", def: "{}", want: []asl.Diagnostic{
			{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "These fields are required: [States, StartAt]", Location: "/"}}},
		{name: "no StartAt", def: `{"States":{"P":{"Type":"Pass","End":true}}}`, want: []asl.Diagnostic{
			{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "These fields are required: [StartAt]", Location: "/"}}},
		{name: "bad type", def: `{"StartAt":"X","States":{"X":{"Type":"Nope","End":true}}}`, want: []asl.Diagnostic{
			{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]", Location: "/States/X/Type"}}},
		{name: "missing target and unreachable",
			def: `{"StartAt":"pass1","States":{"pass1":{"Type":"Pass","Next":"pass3"},"pass2":{"Type":"Pass","End":true}}}`,
			want: []asl.Diagnostic{
				{Severity: "ERROR", Code: "MISSING_TRANSITION_TARGET", Message: "Missing 'Next' target: pass3", Location: "/States/pass1/Next"},
				{Severity: "ERROR", Code: "MISSING_TRANSITION_TARGET", Message: `State "pass2" is not reachable.`, Location: "/States/pass2"}}},
		{name: "downgrade query language",
			def:  `{"QueryLanguage":"JSONata","StartAt":"Pass","States":{"Pass":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", Location: "/States/Pass"}}},
		{name: "aws-sdk action", def: sdkTask("arn:aws:states:::aws-sdk:dynamodb:putItem")},
		{name: "aws-sdk callback", def: sdkTask("arn:aws:states:::aws-sdk:secretsmanager:getSecretValue.waitForTaskToken")},
		{name: "aws-sdk camelCase-model service", def: sdkTask("arn:aws:states:::aws-sdk:acmpca:deleteCertificateAuthority")},
		{name: "aws-sdk service named without Service", def: sdkTask("arn:aws:states:::aws-sdk:databasemigration:startReplicationTask")},
		{name: "aws-sdk service named with Service", def: sdkTask("arn:aws:states:::aws-sdk:databasemigrationservice:startReplicationTask"),
			want: notRecognized("arn:aws:states:::aws-sdk:databasemigrationservice:startReplicationTask")},
		{name: "aws-sdk operation AWS lists as unsupported", def: sdkTask("arn:aws:states:::aws-sdk:sts:assumeRole"),
			want: notRecognized("arn:aws:states:::aws-sdk:sts:assumeRole")},
		{name: "aws-sdk event-stream operation", def: sdkTask("arn:aws:states:::aws-sdk:s3:selectObjectContent"),
			want: notRecognized("arn:aws:states:::aws-sdk:s3:selectObjectContent")},
		{name: "aws-sdk supported operation of that service", def: sdkTask("arn:aws:states:::aws-sdk:sts:getCallerIdentity")},
		{name: "aws-sdk unknown service", def: sdkTask("arn:aws:states:::aws-sdk:nosuchservice:putItem"), want: notRecognized("arn:aws:states:::aws-sdk:nosuchservice:putItem")},
		{name: "aws-sdk unknown action", def: sdkTask("arn:aws:states:::aws-sdk:dynamodb:putItems"), want: notRecognized("arn:aws:states:::aws-sdk:dynamodb:putItems")},
		{name: "aws-sdk action in PascalCase", def: sdkTask("arn:aws:states:::aws-sdk:dynamodb:PutItem"), want: notRecognized("arn:aws:states:::aws-sdk:dynamodb:PutItem")},
		{name: "aws-sdk .sync", def: sdkTask("arn:aws:states:::aws-sdk:dynamodb:putItem.sync"), want: notRecognized("arn:aws:states:::aws-sdk:dynamodb:putItem.sync")},
		{name: "express callback", express: true,
			def:  `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":"m"},"End":true}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "Express state machine does not support '.waitForTaskToken' service integration ", Location: "/States/S/Resource"}}},
		{name: "express sync", express: true,
			def:  `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"arn"},"End":true}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "Express state machine does not support '.sync' service integration", Location: "/States/S/Resource"}}},
		{name: "duplicate state across branches",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
				{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}]}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "DUPLICATE_STATE_NAME", Message: "Duplicate State name: A", Location: "/States/P/Branches[1]/States/A"}}},
		{name: "no terminal state",
			def:  `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "MISSING_END_STATE", Message: "Workflow has no terminal state", Location: "/"}}},
		{name: "duplicate key in States",
			def:  `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"A":{"Type":"Pass","End":true}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "DUPLICATE_STATE_NAME", Message: "Duplicate State name: A", Location: "/States/A"}}},
		{name: "unknown field", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Bogus":1}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "Field 'Bogus' is not supported", Location: "/States/P"}}},
		// "A variable assigned in an inner scope cannot have the same name as one assigned in
		// an outer scope" (AWS's "Passing data between states with variables"): a Parallel
		// branch or an inline Map's iterations may not assign a name the scopes around them
		// assign. Sibling scopes may share a name; a Distributed Map's iterations are child
		// executions of their own.
		{name: "Map iteration assigns an outer variable",
			def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"shared":"outer"},"Next":"M"},
				"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"shared":"inner"},"End":true}}},"End":true}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "The variable 'shared' is assigned in an outer scope: an inner scope cannot assign it", Location: "/States/M/ItemProcessor/States/I/Assign"}}},
		{name: "Parallel branch assigns a variable a later outer state assigns",
			def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
				{"StartAt":"B","States":{"B":{"Type":"Pass","Assign":{"x":1},"End":true}}}],"Next":"A"},
				"A":{"Type":"Pass","Assign":{"x":2},"End":true}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "The variable 'x' is assigned in an outer scope: an inner scope cannot assign it", Location: "/States/P/Branches[0]/States/B/Assign"}}},
		{name: "Parallel branch assigns a variable its Catch assigns",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
				{"StartAt":"B","States":{"B":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Assign":{"e":1},"Next":"C"}],"Default":"C"},"C":{"Type":"Succeed"}}}],
				"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"e.$":"$.Error"},"Next":"A"}],"End":true},
				"A":{"Type":"Succeed"}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "The variable 'e' is assigned in an outer scope: an inner scope cannot assign it", Location: "/States/P/Branches[0]/States/B/Choices[0]/Assign"}}},
		{name: "Parallel inside a Map iteration assigns the iteration's variable",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{
				"I":{"Type":"Pass","Assign":{"i":1},"Next":"P"},
				"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Assign":{"i":2},"End":true}}}],"End":true}}},"End":true}}}`,
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "The variable 'i' is assigned in an outer scope: an inner scope cannot assign it", Location: "/States/M/ItemProcessor/States/P/Branches[0]/States/B/Assign"}}},
		{name: "sibling branches assign the same variable",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
				{"StartAt":"B1","States":{"B1":{"Type":"Pass","Assign":{"x":1},"End":true}}},
				{"StartAt":"B2","States":{"B2":{"Type":"Pass","Assign":{"x":2},"End":true}}}],"Assign":{"y.$":"$"},"End":true}}}`},
		{name: "Distributed Map iteration assigns an outer variable's name",
			def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"Next":"M"},
				"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"x":2},"End":true}}},"End":true}}}`},
		{name: "too deep", def: strings.Repeat("[", 1001) + strings.Repeat("]", 1001),
			want: []asl.Diagnostic{{Severity: "ERROR", Code: "TOO_DEEPLY_NESTED", Message: "The definition is nested too deeply (more than 1000 levels)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := asl.ValidateOptions{}
			if tt.express {
				opts.Type = "EXPRESS"
			}
			got := asl.Validate([]byte(tt.def), opts)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d diagnostics %+v, want %+v", len(got), got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("diagnostic %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestInvalidDefinitionMessage(t *testing.T) {
	def := `{"StartAt":"pass1","States":{"pass1":{"Type":"Pass","Next":"pass3"},"pass2":{"Type":"Pass","End":true}}}`
	got := asl.InvalidDefinitionMessage(asl.Validate([]byte(def), asl.ValidateOptions{}))
	want := `Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at /States/pass2'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// FuzzValidate checks that no input makes the validator panic or accept a non-object.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`))
	f.Add([]byte(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Succeed"}}},"End":true}}}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, def []byte) {
		diags := asl.Validate(def, asl.ValidateOptions{})
		for _, d := range diags {
			if d.Message == "The definition could not be validated" {
				t.Fatalf("validator panicked on %q", def)
			}
		}
	})
}

func sdkTask(resource string) string {
	return `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resource + `","End":true}}}`
}

func notRecognized(resource string) []asl.Diagnostic {
	return []asl.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Location: "/States/T/Resource",
		Message: "The resource provided " + resource + " is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."}}
}

// Credentials without a role are refused for the missing role alone, whatever else they hold,
// as AWS refuses them (credentials/test_credentials_base); a field beside the role is refused.
func TestCredentialsMessages(t *testing.T) {
	task := func(creds string) string {
		return `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":"{% $states.input %}","Credentials":` + creds + `,"End":true}}}`
	}
	missing := `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'RoleArn' is required but was missing at /States/T/Credentials'`
	for creds, want := range map[string]string{
		`{}`:                         missing,
		`{"InvalidField":"invalid"}`: missing,
		`{"RoleArn":"arn:aws:iam::123456789012:role/r","Other":1}`: `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Field 'Other' is not supported at /States/T/Credentials'`,
	} {
		if got := asl.InvalidDefinitionMessage(asl.Validate([]byte(task(creds)), asl.ValidateOptions{})); got != want {
			t.Errorf("%s:\ngot  %s\nwant %s", creds, got, want)
		}
	}
}
