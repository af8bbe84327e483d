package api

import (
	"context"
	"strings"
	"testing"
)

// TestArnLengths: an ARN member that is empty or longer than the model's bound is a
// ValidationException naming it, before the action looks the ARN up (InvalidArn,
// ExecutionDoesNotExist before); within the bound, escaped or not, the action answers.
func TestArnLengths(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	long := "arn:aws:states:us-east-1:123456789012:execution:m:" + strings.Repeat("e", 207)  // 257 characters
	longMap := "arn:aws:states:us-east-1:123456789012:mapRun:m/" + strings.Repeat("r", 1954) // 2,001
	const tooLong = "' failed to satisfy constraint: Member must have length less than or equal to "
	for _, c := range []struct{ action, body, want string }{
		{"DescribeExecution", `{"executionArn":""}`,
			`{"__type":"ValidationException","message":"1 validation error detected: Value '' at 'executionArn' failed to satisfy constraint: Member must have length greater than or equal to 1"}`},
		{"DescribeExecution", `{"executionArn":"` + long + `"}`,
			`{"__type":"ValidationException","message":"1 validation error detected: Value '` + long + `' at 'executionArn` + tooLong + `256"}`},
		{"DescribeExecution", `{"executionArn" : "` + strings.Replace(long, ":m:", `:\u006d:`, 1) + `"}`, // escaped: decoded to tell
			`{"__type":"ValidationException","message":"1 validation error detected: Value '` + long + `' at 'executionArn` + tooLong + `256"}`},
		{"ListExecutions", `{"stateMachineArn":"","mapRunArn":"` + longMap + `"}`,
			`{"__type":"ValidationException","message":"2 validation errors detected: Value '' at 'stateMachineArn' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '` + longMap + `' at 'mapRunArn` + tooLong + `2000"}`},
		{"TagResource", `{"resourceArn":"","tags":[]}`,
			`{"__type":"ValidationException","message":"1 validation error detected: Value '' at 'resourceArn' failed to satisfy constraint: Member must have length greater than or equal to 1"}`},
	} {
		w := post(s, c.action, c.body)
		if got := strings.TrimSpace(w.Body.String()); got != c.want {
			t.Errorf("%s %.80s:\n got %.400s\nwant %.400s", c.action, c.body, got, c.want)
		}
	}
	for _, body := range []string{`{"executionArn":"` + long[:256] + `"}`, `{"executionArn":"` + strings.Replace(long[:256], ":m:", `:\u006d:`, 1) + `"}`, `{}`} {
		if e := checkArnLengths("DescribeExecution", []byte(body)); e != nil {
			t.Errorf("%.60s: %v", body, e)
		}
	}
	// In process (aws-sdk:sfn tasks), the same.
	_, err := s.Invoke(context.Background(), "DescribeExecution", []byte(`{"executionArn":""}`))
	if e, ok := err.(*Error); !ok || e.Type != "ValidationException" {
		t.Errorf("Invoke: %v", err)
	}
}

// BenchmarkCheckArnLengths: the check a StartExecution pays, its ARN read without decoding
// a body of 10 KB.
func BenchmarkCheckArnLengths(b *testing.B) {
	body := []byte(`{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:orders","input":"` + strings.Repeat("x", 10000) + `"}`)
	for b.Loop() {
		if e := checkArnLengths("StartExecution", body); e != nil {
			b.Fatal(e)
		}
	}
}
