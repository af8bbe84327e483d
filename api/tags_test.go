package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func manyTags(n int) []types.Tag {
	tags := make([]types.Tag, n)
	for i := range tags {
		tags[i] = types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}
	}
	return tags
}

// TestCreateWithTooManyTags: CreateStateMachine and CreateActivity list TooManyTags among
// their errors, and a resource has at most 50 tags; 51 created it with all of them.
func TestCreateWithTooManyTags(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(def),
		RoleArn: aws.String(role), Tags: manyTags(51)})
	wantErr(t, "a state machine with 51 tags", err, "TooManyTags", "")
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:m")})
	wantErr(t, "the state machine refused", err, "StateMachineDoesNotExist", "")
	_, err = c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("a"), Tags: manyTags(51)})
	wantErr(t, "an activity with 51 tags", err, "TooManyTags", "")
	_, err = c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String("arn:aws:states:us-east-1:123456789012:activity:a")})
	wantErr(t, "the activity refused", err, "ActivityDoesNotExist", "")

	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(def),
		RoleArn: aws.String(role), Tags: manyTags(50)})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: sm.StateMachineArn})
	if err != nil || len(tags.Tags) != 50 {
		t.Fatalf("50 tags: %v %d", err, len(tags.Tags))
	}
	if _, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("a"), Tags: manyTags(50)}); err != nil {
		t.Fatal(err)
	}
}
