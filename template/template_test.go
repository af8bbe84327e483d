package template

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// compact reindents JSON text, so that expectations can be written readably.
func compact(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestSAM(t *testing.T) {
	tpl, err := Load("testdata/sam.yaml", Options{StackName: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.StateMachines) != 1 {
		t.Fatalf("state machines %+v", tpl.StateMachines)
	}
	sm := tpl.StateMachines[0]
	if !strings.HasPrefix(sm.Name, "OrdersStateMachine-") || len(sm.Name) != len("OrdersStateMachine-")+12 {
		t.Errorf("generated name %q", sm.Name)
	}
	if sm.Type != "EXPRESS" || sm.Line != 29 {
		t.Errorf("type %s line %d", sm.Type, sm.Line)
	}
	fn := tpl.Functions[0]
	if !strings.HasPrefix(fn.Name, "shop-PriceFunction-") || fn.CodeUri != "price/" || fn.Runtime != "provided.al2023" || fn.Arn != "arn:aws:lambda:us-east-1:123456789012:function:"+fn.Name {
		t.Errorf("function %+v", fn)
	}
	table := "shop-OrdersTable-"
	want := `{"Comment":"orders in us-east-1","StartAt":"Price","States":{
		"Price":{"Type":"Task","Resource":"` + fn.Arn + `","TimeoutSeconds":30,"Next":"Save"},
		"Save":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"TABLE","Item":{"id":{"S.$":"$.id"}}},"End":true}}}`
	var def struct {
		States struct {
			Save struct{ Parameters struct{ TableName string } }
		}
	}
	if err := json.Unmarshal(sm.Definition, &def); err != nil {
		t.Fatalf("%v: %s", err, sm.Definition)
	}
	got := def.States.Save.Parameters.TableName
	if !strings.HasPrefix(got, table) || strings.ToUpper(got[len(table):]) != got[len(table):] {
		t.Errorf("table name %q", got)
	}
	if compact(t, string(sm.Definition)) != compact(t, strings.ReplaceAll(want, "TABLE", got)) || !strings.HasPrefix(string(sm.Definition), `{"Comment":"orders in us-east-1","StartAt":"Price","States":{"Price":{"Type":"Task",`) {
		t.Errorf("definition\n%s\nwant\n%s", sm.Definition, compact(t, strings.ReplaceAll(want, "TABLE", got)))
	}
	if len(tpl.Roles) != 1 || tpl.Roles[0].LogicalID != "OrdersStateMachineRole" || sm.RoleArn != tpl.Roles[0].Arn {
		t.Fatalf("roles %+v, state machine role %s", tpl.Roles, sm.RoleArn)
	}
	role := tpl.Roles[0]
	if len(role.Policies) != 3 || len(role.ManagedPolicyArns) != 1 || role.ManagedPolicyArns[0] != "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess" {
		t.Fatalf("role %+v", role)
	}
	if p := string(role.Policies[0].Document); !strings.Contains(p, `"lambda:InvokeFunction"`) || !strings.Contains(p, `function:`+fn.Name+`*"`) {
		t.Errorf("LambdaInvokePolicy: %s", p)
	}
	if p := string(role.Policies[1].Document); !strings.Contains(p, `table/`+got+`"`) || !strings.Contains(p, `table/`+got+`/index/*"`) {
		t.Errorf("DynamoDBCrudPolicy: %s", p)
	}
	var skipped []string
	for _, s := range tpl.Skipped {
		skipped = append(skipped, s.LogicalID)
	}
	if strings.Join(skipped, ",") != "OrdersTable,OrdersStateMachine.Nightly" {
		t.Errorf("skipped %v", skipped)
	}

	// The same stack gets the same names; another stack other ones.
	again, _ := Load("testdata/sam.yaml", Options{StackName: "shop"})
	other, _ := Load("testdata/sam.yaml", Options{StackName: "shop2", Parameters: map[string]string{"Stage": "prod"}})
	if again.StateMachines[0].Name != sm.Name || other.StateMachines[0].Name == sm.Name || other.StateMachines[0].Type != "STANDARD" {
		t.Errorf("names %s %s %s", sm.Name, again.StateMachines[0].Name, other.StateMachines[0].Name)
	}
	// Names maps a function to the one the server runs.
	mapped, err := Load("testdata/sam.yaml", Options{Names: map[string]string{"PriceFunction": "price"}})
	if err != nil || !strings.Contains(string(mapped.StateMachines[0].Definition), `"arn:aws:lambda:us-east-1:123456789012:function:price"`) {
		t.Errorf("mapped function: %v %s", err, mapped.StateMachines[0].Definition)
	}
}

func TestCloudFormationJSON(t *testing.T) {
	tpl, err := Load("testdata/cfn.json", Options{Region: "eu-west-1", Account: "111122223333", Parameters: map[string]string{"QueueSuffix": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	sm := tpl.StateMachines[0]
	role := tpl.Roles[0]
	if sm.Name != "jobs" || sm.Arn != "arn:aws:states:eu-west-1:111122223333:stateMachine:jobs" || sm.RoleArn != role.Arn {
		t.Errorf("state machine %+v role %+v", sm, role)
	}
	if !strings.HasPrefix(role.Name, "cfn-MachineRole-") || role.Arn != "arn:aws:iam::111122223333:role/"+role.Name {
		t.Errorf("role %s %s", role.Name, role.Arn)
	}
	var def struct {
		States map[string]struct {
			Parameters map[string]string
		}
	}
	if err := json.Unmarshal(sm.Definition, &def); err != nil {
		t.Fatalf("%v\n%s", err, sm.Definition)
	}
	if u := def.States["Send"].Parameters["QueueUrl"]; u != "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs-a" {
		t.Errorf("queue url %s", u)
	}
	tell := def.States["Tell"].Parameters
	if !strings.HasPrefix(tell["TopicArn"], "arn:aws:sns:eu-west-1:111122223333:cfn-Topic-") || tell["Message"] != "${literal}" {
		t.Errorf("Tell %v", tell)
	}
	if len(role.Policies) != 2 || role.Policies[1].Name != "publish" ||
		!strings.Contains(string(role.Policies[0].Document), `"arn:aws:sqs:eu-west-1:111122223333:jobs-a"`) ||
		!strings.Contains(string(role.Policies[1].Document), tell["TopicArn"]) {
		t.Errorf("policies %+v", role.Policies)
	}
}

func TestDefinitionUri(t *testing.T) {
	tpl, err := Load("testdata/uri/template.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	sm := tpl.StateMachines[0]
	want := `{"Comment":"a definition in YAML","StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":5,"Next":"Done"},"Done":{"Type":"Pass","Result":"hello from template","End":true}}}`
	if string(sm.Definition) != want || sm.Name != "flow" || sm.RoleArn != "arn:aws:iam::123456789012:role/flow" || len(tpl.Roles) != 0 || len(tpl.Warnings) != 0 {
		t.Errorf("%+v\n%s\n%v", sm, sm.Definition, tpl.Warnings)
	}

	// A name that differs only in case, as written on macOS, finds the file with a warning.
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sm"), 0o755)
	os.WriteFile(filepath.Join(dir, "sm", "flow.asl.json"), []byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "t.yaml"), []byte("Resources:\n  F:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: sm/Flow.asl.json\n"), 0o644)
	tpl, err = Load(filepath.Join(dir, "t.yaml"), Options{})
	if err != nil || len(tpl.Warnings) != 1 || !strings.Contains(tpl.Warnings[0], "t.yaml:5: F.DefinitionUri: no file sm/Flow.asl.json; using flow.asl.json") {
		t.Errorf("case: %v %v", err, tpl)
	}
}

// TestErrors: bad input answers with the file, the line and what is wrong.
func TestErrors(t *testing.T) {
	const head = "Transform: AWS::Serverless-2016-10-31\nResources:\n  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n"
	const def = "      Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}\n"
	for _, tc := range []struct{ name, text, want string }{
		{"yaml", "Resources: [\n  a: b\n", "t.yaml:2: not a YAML or JSON template"},
		{"no resources", "Parameters: {}\n", "t.yaml:1: a template needs a Resources section"},
		{"unknown ref", head + "      Definition: {StartAt: !Ref Nope, States: {}}\n", "t.yaml:6: Nope is not a parameter or a resource of the template"},
		{"unknown getatt", head + def + "      Role: !GetAtt Nope.Arn\n", "t.yaml:7: Nope is not a parameter or a resource"},
		{"s3 uri", head + "      DefinitionUri: s3://bucket/key.json\n", "t.yaml:6: M.DefinitionUri: Stepwise cannot read a definition from S3"},
		{"s3 location", "Resources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: r\n      DefinitionS3Location: {Bucket: b, Key: k}\n", "t.yaml:6: M.DefinitionS3Location: Stepwise cannot read a definition from S3"},
		{"import", head + def + "      Role: !ImportValue shared-role\n", "t.yaml:7: Fn::ImportValue cannot be evaluated"},
		{"no param value", "Parameters:\n  P: {Type: String}\n" + head + def + "      Role: !Ref P\n", "t.yaml:9: parameter P has no value: give it with --parameter-overrides P=VALUE"},
		{"unknown tag", head + def + "      Role: !Frobnicate x\n", "t.yaml:7: unknown tag !Frobnicate"},
		{"no definition", head + "      Role: r\n", "t.yaml:4: state machine M has no Definition or DefinitionUri"},
		{"missing file", head + "      DefinitionUri: nowhere.asl.json\n", "t.yaml:6: M.DefinitionUri: open"},
		{"bad join", head + "      Definition: {StartAt: !Join [a], States: {}}\n", "t.yaml:6: Fn::Join takes a list of 2 items"},
		{"sub not string", head + "      Definition: {StartAt: !Sub '${AWS::NotificationARNs}', States: {}}\n", "t.yaml:6: Fn::Sub: ${AWS::NotificationARNs} is a list, not a string"},
		{"condition", head + def + "      Role: !If [Missing, a, b]\n", "t.yaml:7: condition Missing is not in the Conditions section"},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f]\n" + head + "      Definition: {StartAt: P, States: {P: {Type: Pass, Result: *g, End: true}}}\n", "t.yaml:13: the template expands to more than 1048576 values"},
		{"nested stack", "Resources:\n  N: {Type: AWS::CloudFormation::Stack}\n" + head[len("Transform: AWS::Serverless-2016-10-31\nResources:\n"):] + def + "      Role: !GetAtt N.Outputs.RoleArn\n", "t.yaml:7: Fn::GetAtt N.Outputs.RoleArn: a nested stack's outputs cannot be evaluated"},
		{"transform", "Transform: AWS::Include\nResources: {}\n", "t.yaml:1: Transform AWS::Include is not supported"},
		{"json line", "{\n  \"Resources\": {\n    \"M\": {\n      \"Type\": \"AWS::StepFunctions::StateMachine\",\n      \"Properties\": {\"RoleArn\": {\"Ref\": \"R\"}}\n    }\n  }\n}\n", "t.yaml:5: R is not a parameter or a resource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "t.yaml")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, Options{})
			var terr *Error
			if !errors.As(err, &terr) {
				t.Fatalf("error %v (%T), want a *template.Error", err, err)
			}
			got := strings.TrimPrefix(err.Error(), dir+"/")
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("error\n%s\nwant\n%s...", got, tc.want)
			}
		})
	}
}

func TestDefinitionJSON(t *testing.T) {
	got, err := DefinitionJSON("d.asl.yaml", []byte("StartAt: A\nStates:\n  A: {Type: Pass, Result: {n: 1.50, big: 12345678901234567890, s: '007', b: yes, t: true}, End: true}\n"))
	want := `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"n":1.50,"big":12345678901234567890,"s":"007","b":"yes","t":true},"End":true}}}`
	if err != nil || string(got) != want {
		t.Errorf("%v\n%s\nwant\n%s", err, got, want)
	}
	if _, err := DefinitionJSON("d.asl.yaml", []byte("StartAt: A\nStates:\n  A: !Ref X\n")); err == nil || err.Error() != "d.asl.yaml:3: tag !Ref: a definition file is plain YAML; intrinsic functions belong in the template (use DefinitionSubstitutions)" {
		t.Errorf("tag: %v", err)
	}
	if _, err := DefinitionJSON("d.asl.yaml", []byte("StartAt: A\nStartAt: B\n")); err == nil || !strings.HasPrefix(err.Error(), "d.asl.yaml:2:") {
		t.Errorf("duplicate: %v", err)
	}
}

// TestFormats: JSON indented with tabs, and YAML with a byte-order mark and CRLF line ends,
// as editors on other systems write them.
func TestFormats(t *testing.T) {
	for name, text := range map[string]string{ // M is on line 3 of each
		"tabs.json": "{\n\t\"Resources\": {\n\t\t\"M\": {\n\t\t\t\"Type\": \"AWS::StepFunctions::StateMachine\",\n\t\t\t\"Properties\": {\n\t\t\t\t\"RoleArn\": \"r\",\n" +
			"\t\t\t\t\"DefinitionString\": \"{\\\"StartAt\\\":\\\"P\\\",\\\"States\\\":{\\\"P\\\":{\\\"Type\\\":\\\"Pass\\\",\\\"End\\\":true}}}\"\n\t\t\t}\n\t\t}\n\t}\n}\n",
		"crlf.yaml": "\ufeff# written on Windows\r\nResources:\r\n  M:\r\n    Type: AWS::StepFunctions::StateMachine\r\n    Properties:\r\n      RoleArn: r\r\n      Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}\r\n",
	} {
		path := filepath.Join(t.TempDir(), name)
		os.WriteFile(path, []byte(text), 0o644)
		tpl, err := Load(path, Options{})
		if err != nil || string(tpl.StateMachines[0].Definition) != `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}` || tpl.StateMachines[0].Line != 3 {
			t.Errorf("%s: %v %+v", name, err, tpl)
		}
	}
}
