package api

import (
	"strings"
	"testing"
)

// The ARN checks as they were, with strings.Split.
func checkArnSplit(arn, kind string) bool {
	parts := strings.SplitN(arn, ":", 7)
	return strings.HasPrefix(arn, "arn:") && len(parts) >= 7 && parts[2] == "states" && parts[5] == kind
}

func resourceTypeSplit(arn string) string {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) < 6 {
		return ""
	}
	return parts[5]
}

func splitQualifiedSplit(arn string) (string, string) {
	parts := strings.Split(arn, ":")
	if len(parts) == 8 && parts[5] == "stateMachine" && parts[7] != "" {
		return strings.Join(parts[:7], ":"), parts[7]
	}
	return arn, ""
}

func sameAsSplit(t *testing.T, arn string) {
	for _, kind := range []string{"stateMachine", "execution", "express", ""} {
		if got, want := checkArn(arn, kind) == nil, checkArnSplit(arn, kind); got != want {
			t.Fatalf("checkArn(%q, %q) accepts: %v, with Split: %v", arn, kind, got, want)
		}
	}
	if got, want := resourceType(arn), resourceTypeSplit(arn); got != want {
		t.Fatalf("resourceType(%q) = %q, with Split %q", arn, got, want)
	}
	b, q := splitQualified(arn)
	wb, wq := splitQualifiedSplit(arn)
	if b != wb || q != wq {
		t.Fatalf("splitQualified(%q) = %q, %q; with Split %q, %q", arn, b, q, wb, wq)
	}
}

var arnSamples = []string{
	"", "arn", "arn:", "arn:aws:states:us-east-1:123456789012:stateMachine:m",
	"arn:aws:states:us-east-1:123456789012:stateMachine:m:1", "arn:aws:states:us-east-1:123456789012:stateMachine:m:",
	"arn:aws:states:us-east-1:123456789012:stateMachine:m:prod:x", "arn:aws:states:us-east-1:123456789012:execution:m:e",
	"arn:aws:states:us-east-1:123456789012:express:m:e:u", "arn:aws:lambda:us-east-1:123456789012:function:f",
	"arn:aws:states:us-east-1:123456789012:stateMachine", "arn:aws:states:us-east-1:123456789012:activity:a",
	":::::stateMachine::q", "x:x:states:x:x:stateMachine:x", "arn:aws:states::::stateMachine:",
}

func TestArnFieldsAsSplit(t *testing.T) {
	for _, s := range arnSamples {
		sameAsSplit(t, s)
	}
}

func FuzzArnFields(f *testing.F) {
	for _, s := range arnSamples {
		f.Add(s)
	}
	f.Fuzz(sameAsSplit)
}
