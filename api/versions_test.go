package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
)

func say(word string) string {
	return `{"Comment":"` + word + `","StartAt":"S","States":{"S":{"Type":"Pass","Result":"` + word + `","End":true}}}`
}

// wantErr checks an error's AWS code and message (message "" checks the code only).
func wantErr(t *testing.T, what string, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: %v, want %s", what, err, code)
		return
	}
	if ae.ErrorCode() != code || (message != "" && ae.ErrorMessage() != message) {
		t.Errorf("%s:\n got %s: %s\nwant %s: %s", what, ae.ErrorCode(), ae.ErrorMessage(), code, message)
	}
}

func versionArns(vs []types.StateMachineVersionListItem) []string {
	var out []string
	for _, v := range vs {
		out = append(out, aws.ToString(v.StateMachineVersionArn))
	}
	return out
}

func TestVersionsThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()

	_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("nopub"), RoleArn: aws.String(role),
		Definition: aws.String(say("r1")), VersionDescription: aws.String("d")})
	wantErr(t, "versionDescription without publish", err, "ValidationException", "Version description can only be set when publish is true")

	created, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("v"), RoleArn: aws.String(role),
		Definition: aws.String(say("r1")), Publish: true, VersionDescription: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	smArn := aws.ToString(created.StateMachineArn)
	if got := aws.ToString(created.StateMachineVersionArn); got != smArn+":1" {
		t.Fatalf("stateMachineVersionArn = %s, want %s:1", got, smArn)
	}
	d1, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineVersionArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d1.StateMachineArn) != smArn+":1" || aws.ToString(d1.Description) != "first" || aws.ToString(d1.Name) != "v" ||
		aws.ToString(d1.Definition) != say("r1") || d1.RevisionId != nil || d1.Status != types.StateMachineStatusActive {
		t.Errorf("DescribeStateMachine(version 1) = arn %s desc %q name %s revision %v def %s", aws.ToString(d1.StateMachineArn),
			aws.ToString(d1.Description), aws.ToString(d1.Name), d1.RevisionId, aws.ToString(d1.Definition))
	}
	// An update that publishes: version 2, of a named revision.
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &smArn, Definition: aws.String(say("r2")), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(up.StateMachineVersionArn) != smArn+":2" || up.RevisionId == nil {
		t.Errorf("UpdateStateMachine(publish) = version %s revision %v", aws.ToString(up.StateMachineVersionArn), up.RevisionId)
	}
	d2, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: up.StateMachineVersionArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d2.RevisionId) != aws.ToString(up.RevisionId) || d2.Description != nil || aws.ToString(d2.Definition) != say("r2") {
		t.Errorf("version 2: revision %v description %v definition %s", d2.RevisionId, d2.Description, aws.ToString(d2.Definition))
	}
	// The same definition again makes no revision, and publishing finds version 2.
	same, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &smArn, Definition: aws.String(say("r2")), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(same.StateMachineVersionArn) != smArn+":2" || aws.ToString(same.RevisionId) != aws.ToString(up.RevisionId) {
		t.Errorf("unchanged update: version %s revision %v", aws.ToString(same.StateMachineVersionArn), aws.ToString(same.RevisionId))
	}
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &smArn, Definition: aws.String(say("r2")), VersionDescription: aws.String("x")})
	wantErr(t, "update: versionDescription without publish", err, "ValidationException", "Version description can only be set when publish is true")

	// PublishStateMachineVersion: idempotent for the newest revision, guarded by revisionId.
	pub, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: &smArn, RevisionId: up.RevisionId})
	if err != nil || aws.ToString(pub.StateMachineVersionArn) != smArn+":2" {
		t.Errorf("publishing the published revision: %v %v", pub, err)
	}
	up3, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &smArn, Definition: aws.String(say("r3"))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: &smArn, RevisionId: up.RevisionId})
	wantErr(t, "publish a stale revision", err, "ConflictException", "Failed to publish the State Machine version for revision "+
		aws.ToString(up.RevisionId)+". The current State Machine revision is "+aws.ToString(up3.RevisionId)+".")
	pub3, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: &smArn, RevisionId: up3.RevisionId, Description: aws.String("third")})
	if err != nil || aws.ToString(pub3.StateMachineVersionArn) != smArn+":3" {
		t.Fatalf("publish revision 3: %v %v", pub3, err)
	}
	_, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String("invalid_arn")})
	wantErr(t, "publish: invalid ARN", err, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: invalid_arn'")
	ghost := "arn:aws:states:us-east-1:123456789012:stateMachine:ghost"
	_, err = c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: &ghost})
	wantErr(t, "publish: no such machine", err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+ghost+"'")

	// ListStateMachineVersions: newest first, in pages.
	page1, err := c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: &smArn, MaxResults: 2})
	if err != nil {
		t.Fatal(err)
	}
	page2, err := c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: &smArn, MaxResults: 2, NextToken: page1.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(append(versionArns(page1.StateMachineVersions), versionArns(page2.StateMachineVersions)...), " "); got != smArn+":3 "+smArn+":2 "+smArn+":1" || page2.NextToken != nil {
		t.Errorf("ListStateMachineVersions = %s (next %v)", got, page2.NextToken)
	}
	_, err = c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: &smArn, MaxResults: 1001})
	wantErr(t, "maxResults 1001", err, "ValidationException", "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000")
	long := strings.Repeat("a", 1025)
	_, err = c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: &smArn, NextToken: &long})
	wantErr(t, "long token", err, "ValidationException", "1 validation error detected: Value '"+long+"' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024")

	// Executions of a version run its definition and keep the state machine's execution ARN.
	v1 := smArn + ":1"
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &v1, Name: aws.String("on-v1")})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(smArn, ":stateMachine:", ":execution:", 1) + ":on-v1"; aws.ToString(ex.ExecutionArn) != want {
		t.Errorf("execution ARN %s, want %s", aws.ToString(ex.ExecutionArn), want)
	}
	done := waitDone(t, c, ex.ExecutionArn)
	if aws.ToString(done.Output) != `"r1"` || aws.ToString(done.StateMachineVersionArn) != v1 || done.StateMachineAliasArn != nil ||
		aws.ToString(done.StateMachineArn) != smArn {
		t.Errorf("execution of version 1: output %s version %v alias %v machine %s", aws.ToString(done.Output),
			aws.ToString(done.StateMachineVersionArn), done.StateMachineAliasArn, aws.ToString(done.StateMachineArn))
	}
	latest, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smArn, Name: aws.String("latest")})
	if err != nil {
		t.Fatal(err)
	}
	if out := waitDone(t, c, latest.ExecutionArn); aws.ToString(out.Output) != `"r3"` || out.StateMachineVersionArn != nil {
		t.Errorf("execution of the state machine: output %s version %v", aws.ToString(out.Output), out.StateMachineVersionArn)
	}
	forEx, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: ex.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(forEx.Definition) != say("r1") || aws.ToString(forEx.StateMachineArn) != smArn || forEx.RevisionId != nil {
		t.Errorf("DescribeStateMachineForExecution(version 1) = %s %s revision %v", aws.ToString(forEx.StateMachineArn), aws.ToString(forEx.Definition), forEx.RevisionId)
	}
	// An execution of the state machine shows the revision it ran, after an update too.
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &smArn, Definition: aws.String(say("r4"))}); err != nil {
		t.Fatal(err)
	}
	forLatest, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: latest.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(forLatest.Definition) != say("r3") || aws.ToString(forLatest.RevisionId) != aws.ToString(up3.RevisionId) {
		t.Errorf("DescribeStateMachineForExecution(latest) after an update = %s revision %v, want r3 revision %s",
			aws.ToString(forLatest.Definition), aws.ToString(forLatest.RevisionId), aws.ToString(up3.RevisionId))
	}
	byVersion, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &v1})
	if err != nil {
		t.Fatal(err)
	}
	if len(byVersion.Executions) != 1 || aws.ToString(byVersion.Executions[0].Name) != "on-v1" || aws.ToString(byVersion.Executions[0].StateMachineVersionArn) != v1 {
		t.Errorf("ListExecutions(version 1) = %+v", byVersion.Executions)
	}
	all, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &smArn})
	if err != nil || len(all.Executions) != 2 {
		t.Errorf("ListExecutions(state machine) = %d executions, %v", len(all.Executions), err)
	}

	// Deleting a version: gone for Describe and Start, its number is not reused, deleting
	// again is fine.
	v3 := smArn + ":3"
	if _, err := c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: &v3}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &v3})
	wantErr(t, "describe a deleted version", err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+v3+"'")
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &v3})
	wantErr(t, "start a deleted version", err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+v3+"'")
	if _, err := c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: &v3}); err != nil {
		t.Errorf("deleting a deleted version: %v", err)
	}
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &smArn, Definition: aws.String(say("r4"))}); err != nil {
		t.Fatal(err)
	}
	pub4, err := c.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: &smArn})
	if err != nil || aws.ToString(pub4.StateMachineVersionArn) != smArn+":4" {
		t.Errorf("publish after deleting 3: %v %v", pub4, err)
	}

	// Express: StartSyncExecution on a version runs the version.
	expr, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("x"), RoleArn: aws.String(role),
		Definition: aws.String(say("x1")), Type: types.StateMachineTypeExpress, Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: expr.StateMachineArn, Definition: aws.String(say("x2"))}); err != nil {
		t.Fatal(err)
	}
	sync, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: expr.StateMachineVersionArn})
	if err != nil || aws.ToString(sync.Output) != `"x1"` {
		t.Errorf("StartSyncExecution(express version 1) = %v, %v", sync, err)
	}
}
