package template

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntrinsics evaluates each intrinsic where CloudFormation would: in a definition's Result.
func TestIntrinsics(t *testing.T) {
	const head = `Parameters:
  Env: {Type: String, Default: prod}
  Zones: {Type: CommaDelimitedList, Default: "a, b"}
  Size: {Type: Number, Default: 3}
Mappings:
  Sizes:
    prod: {Memory: 1024}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [a, a]]
  Either: !Or [!Condition NotProd, !Equals [!Ref Size, "3"]]
Resources:
  Q: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs.fifo, FifoQueue: true}}
  Unnamed: {Type: AWS::SQS::Queue, Properties: {FifoQueue: true}}
  B: {Type: AWS::S3::Bucket}
  T: {Type: AWS::SNS::Topic, Properties: {TopicName: news}}
  L: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: /aws/x}}
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: bus}}
  R: {Type: AWS::IAM::Role, Properties: {RoleName: r, Path: /svc/, AssumeRolePolicyDocument: {}}}
  Gone: {Type: AWS::SQS::Queue, Condition: NotProd}
  Fn: {Type: AWS::Serverless::Function, Properties: {FunctionName: fn, AutoPublishAlias: live}}
  M:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt R.Arn
      Definition:
        StartAt: P
        States:
          P:
            Type: Pass
            End: true
            Result:
`
	for _, tc := range []struct{ name, expr, want string }{
		{"ref param", `!Ref Env`, `"prod"`},
		{"list param", `!Ref Zones`, `["a","b"]`},
		{"number param", `!Ref Size`, `"3"`},
		{"pseudo", `!Sub "${AWS::Partition}:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}:${AWS::URLSuffix}"`, `"aws:us-east-1:123456789012:stack:amazonaws.com"`},
		{"sub literal", `!Sub "${!Literal}-${Env}"`, `"${Literal}-prod"`},
		{"sub vars", `!Sub ["${a}-${Env}", {a: !Ref Size}]`, `"3-prod"`},
		{"sub attr", `!Sub "${Q.Arn}"`, `"arn:aws:sqs:us-east-1:123456789012:jobs.fifo"`},
		{"join", `!Join [":", [a, !Ref Env, !Select [1, !Ref Zones]]]`, `"a:prod:b"`},
		{"split select", `!Select [2, !Split ["/", "x/y/z"]]`, `"z"`},
		{"find in map", `!FindInMap [Sizes, !Ref Env, Memory]`, `1024`},
		{"find in map default", `!FindInMap [Sizes, dev, Memory, {DefaultValue: 128}]`, `128`},
		{"if", `!If [IsProd, big, small]`, `"big"`},
		{"if not", `!If [NotProd, big, small]`, `"small"`},
		{"and or", `[!If [Both, y, n], !If [Either, y, n]]`, `["y","y"]`},
		{"no value", `{a: 1, b: !If [NotProd, 2, !Ref AWS::NoValue]}`, `{"a":1}`},
		{"no value in list", `[1, !If [NotProd, 2, !Ref AWS::NoValue], 3]`, `[1,3]`},
		{"azs", `!Select [0, !GetAZs ""]`, `"us-east-1a"`},
		{"base64", `!Base64 hi`, `"aGk="`},
		{"to json", `!ToJsonString {a: [1, x]}`, `"{\"a\":[1,\"x\"]}"`},
		{"length", `!Length [1, 2, 3]`, `3`},
		{"long form", `{"Fn::Join": ["-", [{"Ref": "Env"}, {"Fn::GetAtt": ["T", "TopicName"]}]]}`, `"prod-news"`},
		{"getatt list", `!GetAtt [Bus, Arn]`, `"arn:aws:events:us-east-1:123456789012:event-bus/bus"`},
		{"queue url", `!Ref Q`, `"https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo"`},
		{"fifo generated", `!GetAtt Unnamed.QueueName`, `"stack-Unnamed-` + "SUFFIX" + `.fifo"`},
		{"bucket", `!GetAtt B.Arn`, `"arn:aws:s3:::stack-b-` + "suffix" + `"`},
		{"topic", `!Ref T`, `"arn:aws:sns:us-east-1:123456789012:news"`},
		{"log group", `!GetAtt L.Arn`, `"arn:aws:logs:us-east-1:123456789012:log-group:/aws/x:*"`},
		{"role path", `!GetAtt R.Arn`, `"arn:aws:iam::123456789012:role/svc/r"`},
		{"function alias", `!Ref Fn.Alias`, `"arn:aws:lambda:us-east-1:123456789012:function:fn:live"`},
		{"function version", `!Sub "${Fn.Version}"`, `"arn:aws:lambda:us-east-1:123456789012:function:fn:1"`},
		{"implicit api", `!Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com"`, `"https://` + "api-id" + `.execute-api.us-east-1.amazonaws.com"`},
		{"state machine", `!Ref M`, `"arn:aws:states:us-east-1:123456789012:stateMachine:M-SUFFIX"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "stack.yaml")
			os.WriteFile(path, []byte(head+"              "+tc.expr+"\n"), 0o644)
			tpl, err := Load(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var def struct {
				States struct {
					P struct{ Result json.RawMessage }
				}
			}
			if err := json.Unmarshal(tpl.StateMachines[0].Definition, &def); err != nil {
				t.Fatalf("%v: %s", err, tpl.StateMachines[0].Definition)
			}
			got := string(def.States.P.Result)
			if i := strings.Index(tc.want, "SUFFIX"); i >= 0 { // a generated suffix: 12 upper-case letters or digits
				j := strings.Index(got[i:], `"`)
				if j < 0 || len(got) < i+12 || strings.ToUpper(got[i:i+12]) != got[i:i+12] {
					t.Fatalf("got %s, want %s", got, tc.want)
				}
				got = got[:i] + "SUFFIX" + got[i+12:]
			} else if i := strings.Index(tc.want, "api-id"); i >= 0 { // an API's id: 10 lower-case letters or digits
				if len(got) < i+10 || strings.ToLower(got[i:i+10]) != got[i:i+10] {
					t.Fatalf("got %s, want %s", got, tc.want)
				}
				got = got[:i] + "api-id" + got[i+10:]
			} else if i := strings.Index(tc.want, "suffix"); i >= 0 {
				if len(got) < i+12 || strings.ToLower(got[i:i+12]) != got[i:i+12] {
					t.Fatalf("got %s, want %s", got, tc.want)
				}
				got = got[:i] + "suffix" + got[i+12:]
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if len(tpl.Skipped) == 0 || tpl.Skipped[len(tpl.Skipped)-1].LogicalID != "Gone" || !strings.Contains(tpl.Skipped[len(tpl.Skipped)-1].Reason, "Condition NotProd is false") {
				t.Errorf("skipped %+v", tpl.Skipped)
			}
		})
	}
}

// FuzzParse: no template makes the reader panic or loop; every error is a *template.Error
// (or a file error for a DefinitionUri).
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/sam.yaml", "testdata/cfn.json", "testdata/uri/template.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Resources:\n  A: {Type: AWS::SQS::Queue, Properties: {QueueName: !GetAtt A.QueueName}}\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties: {RoleArn: !Ref A, DefinitionString: !Sub '${A.QueueName}'}\n"))
	f.Add([]byte("Conditions:\n  C: !Condition C\nResources:\n  M: {Type: AWS::StepFunctions::StateMachine, Condition: C}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse("testdata/fuzz.yaml", data, Options{})
		_, _ = DefinitionJSON("fuzz.asl.yaml", data)
	})
}
