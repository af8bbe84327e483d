package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func route(arn string, weight int32) types.RoutingConfigurationListItem {
	return types.RoutingConfigurationListItem{StateMachineVersionArn: aws.String(arn), Weight: weight}
}

func TestAliasesThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	created, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("a"), RoleArn: aws.String(role),
		Definition: aws.String(say("r1")), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	smArn := aws.ToString(created.StateMachineArn)
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &smArn, Definition: aws.String(say("r2")), Publish: true}); err != nil {
		t.Fatal(err)
	}
	v1, v2 := smArn+":1", smArn+":2"

	// Validation, with AWS's messages.
	pattern := `Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`
	for name, msg := range map[string]string{
		"123":                   "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: " + pattern,
		"INVALID ALIAS":         "1 validation error detected: Value 'INVALID ALIAS' at 'name' failed to satisfy constraint: " + pattern,
		"ALIAS@":                "1 validation error detected: Value 'ALIAS@' at 'name' failed to satisfy constraint: " + pattern,
		strings.Repeat("A", 81): "1 validation error detected: Value '" + strings.Repeat("A", 81) + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80",
	} {
		_, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String(name),
			RoutingConfiguration: []types.RoutingConfigurationListItem{route(v1, 100)}})
		wantErr(t, "alias name "+name, err, "ValidationException", msg)
	}
	for _, tc := range []struct {
		name   string
		routes []types.RoutingConfigurationListItem
		msg    string
	}{
		{"three", []types.RoutingConfigurationListItem{route(v1, 50), route(v2, 30), route(smArn+":3", 20)},
			"1 validation error detected: Value '[RoutingConfigurationListItem(stateMachineVersionArn=" + v1 + ", weight=50), RoutingConfigurationListItem(stateMachineVersionArn=" + v2 + ", weight=30), RoutingConfigurationListItem(stateMachineVersionArn=" + smArn + ":3, weight=20)]' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2"},
		{"duplicate", []types.RoutingConfigurationListItem{route(v1, 50), route(v1, 50)},
			"Routing configuration must contain distinct state machine version ARNs. Received: [" + v1 + ", " + v1 + "]"},
		{"machine ARN", []types.RoutingConfigurationListItem{route(smArn, 50), route(v2, 50)},
			"Routing configuration must contain state machine version ARNs. Received: [" + smArn + ", " + v2 + "]"},
		{"weight 101", []types.RoutingConfigurationListItem{route(v1, 101)},
			"1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"sum 99", []types.RoutingConfigurationListItem{route(v1, 70), route(v2, 29)},
			"Sum of routing configuration weights must equal 100. Received: [70, 29]"},
		{"sum 101", []types.RoutingConfigurationListItem{route(v1, 70), route(v2, 31)},
			"Sum of routing configuration weights must equal 100. Received: [70, 31]"},
	} {
		_, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("bad"), RoutingConfiguration: tc.routes})
		wantErr(t, "routing "+tc.name, err, "ValidationException", tc.msg)
	}

	// Create: idempotent for the same configuration, a conflict for another.
	create := func(name, desc string, routes ...types.RoutingConfigurationListItem) (*sfn.CreateStateMachineAliasOutput, error) {
		return c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String(name), Description: aws.String(desc), RoutingConfiguration: routes})
	}
	a1, err := create("live", "d", route(v1, 100))
	if err != nil {
		t.Fatal(err)
	}
	aliasArn := aws.ToString(a1.StateMachineAliasArn)
	if aliasArn != smArn+":live" {
		t.Errorf("alias ARN %s", aliasArn)
	}
	again, err := create("live", "d", route(v1, 100))
	if err != nil || aws.ToString(again.StateMachineAliasArn) != aliasArn || !again.CreationDate.Equal(*a1.CreationDate) {
		t.Errorf("idempotent create: %v %v", again, err)
	}
	conflict := "Failed to create alias because an alias with the same name and a different routing configuration already exists."
	_, err = create("live", "other", route(v1, 100))
	wantErr(t, "same name, other description", err, "ConflictException", conflict)
	_, err = create("live", "d", route(v2, 100))
	wantErr(t, "same name, other routing", err, "ConflictException", conflict)

	// Start through the alias: version 1 runs, and both ARNs are recorded.
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &aliasArn, Name: aws.String("via-alias")})
	if err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, c, ex.ExecutionArn)
	if aws.ToString(done.Output) != `"r1"` || aws.ToString(done.StateMachineAliasArn) != aliasArn || aws.ToString(done.StateMachineVersionArn) != v1 ||
		!strings.HasSuffix(aws.ToString(done.ExecutionArn), ":execution:a:via-alias") {
		t.Errorf("execution through alias: %s output %s alias %s version %s", aws.ToString(done.ExecutionArn), aws.ToString(done.Output),
			aws.ToString(done.StateMachineAliasArn), aws.ToString(done.StateMachineVersionArn))
	}
	hist, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if st := hist.Events[0].ExecutionStartedEventDetails; st == nil || aws.ToString(st.StateMachineAliasArn) != aliasArn || aws.ToString(st.StateMachineVersionArn) != v1 {
		t.Errorf("ExecutionStarted details %+v", st)
	}
	if _, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &v1, Name: aws.String("via-version")}); err != nil {
		t.Fatal(err)
	}
	byAlias, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &aliasArn})
	if err != nil || len(byAlias.Executions) != 1 || aws.ToString(byAlias.Executions[0].StateMachineAliasArn) != aliasArn {
		t.Errorf("ListExecutions(alias) = %+v, %v", byAlias, err)
	}

	// Describe and update.
	desc, err := c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: &aliasArn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.Name) != "live" || aws.ToString(desc.Description) != "d" || len(desc.RoutingConfiguration) != 1 ||
		aws.ToString(desc.RoutingConfiguration[0].StateMachineVersionArn) != v1 || desc.RoutingConfiguration[0].Weight != 100 {
		t.Errorf("DescribeStateMachineAlias = %+v", desc)
	}
	if _, err := c.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: &aliasArn,
		RoutingConfiguration: []types.RoutingConfigurationListItem{route(v1, 0), route(v2, 100)}}); err != nil {
		t.Fatal(err)
	}
	ex2, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &aliasArn})
	if err != nil {
		t.Fatal(err)
	}
	if out := waitDone(t, c, ex2.ExecutionArn); aws.ToString(out.Output) != `"r2"` || aws.ToString(out.StateMachineVersionArn) != v2 {
		t.Errorf("after routing all to version 2: output %s version %s", aws.ToString(out.Output), aws.ToString(out.StateMachineVersionArn))
	}
	missing := smArn + ":nope"
	_, err = c.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: &missing, Description: aws.String("x")})
	wantErr(t, "update unknown alias", err, "ResourceNotFound", "Request references a resource that does not exist.")
	_, err = c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: &missing})
	wantErr(t, "describe unknown alias", err, "ResourceNotFound", "Request references a resource that does not exist.")

	// A version an alias routes to cannot be deleted.
	_, err = c.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: &v2})
	wantErr(t, "delete a routed version", err, "ConflictException",
		"Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live]")

	// List: name order, pages, bad token.
	for _, n := range []string{"beta", "canary"} {
		if _, err := create(n, "", route(v2, 100)); err != nil {
			t.Fatal(err)
		}
	}
	p1, err := c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: &smArn, MaxResults: 1})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: &smArn, NextToken: p1.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range append(p1.StateMachineAliases, p2.StateMachineAliases...) {
		names = append(names, strings.TrimPrefix(aws.ToString(a.StateMachineAliasArn), smArn+":"))
	}
	if strings.Join(names, " ") != "beta canary live" || p1.NextToken == nil || p2.NextToken != nil {
		t.Errorf("ListStateMachineAliases = %v", names)
	}
	_, err = c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: &smArn, NextToken: aws.String("Invalid token")})
	wantErr(t, "bad token", err, "InvalidToken", "Invalid Token: 'Invalid token'")
	_, err = c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: &smArn, MaxResults: 1001})
	wantErr(t, "maxResults 1001", err, "ValidationException", "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000")
	onV1, err := c.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: &v1})
	if err != nil || len(onV1.StateMachineAliases) != 1 {
		t.Errorf("aliases routing to version 1: %+v %v", onV1, err)
	}

	// Delete: an unknown alias is fine; then DeleteStateMachine takes versions and aliases.
	for _, arn := range []string{smArn + ":beta", smArn + ":beta"} {
		if _, err := c.DeleteStateMachineAlias(ctx, &sfn.DeleteStateMachineAliasInput{StateMachineAliasArn: aws.String(arn)}); err != nil {
			t.Errorf("DeleteStateMachineAlias: %v", err)
		}
	}
	if _, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &smArn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: &aliasArn})
	wantErr(t, "alias after DeleteStateMachine", err, "ResourceNotFound", "")
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &v1})
	wantErr(t, "version after DeleteStateMachine", err, "StateMachineDoesNotExist", "")
}
