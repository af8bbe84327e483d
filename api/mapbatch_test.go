package api_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// With ItemBatcher a child carries a batch: DescribeMapRun counts items and executions apart,
// and ListExecutions by the run lists one child per batch.
func TestMapItemBatcherThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"L","End":true,
		"ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"k.$":"$.k"}},"ItemsPath":"$.xs",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}`
	exArn := startMachine(t, c, "batched", def, `{"xs":[1,2,3,4,5],"k":"K"}`)
	out := waitDone(t, c, exArn)
	want := `[{"BatchInput":{"k":"K"},"Items":[1,2]},{"BatchInput":{"k":"K"},"Items":[3,4]},{"BatchInput":{"k":"K"},"Items":[5]}]`
	if out.Status != types.ExecutionStatusSucceeded || aws.ToString(out.Output) != want {
		t.Fatalf("execution %s %s", out.Status, aws.ToString(out.Output))
	}
	run := oneMapRun(t, c, exArn)
	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: run.MapRunArn})
	if err != nil {
		t.Fatal(err)
	}
	items := types.MapRunItemCounts{Succeeded: 5, Total: 5, ResultsWritten: 5}
	execs := types.MapRunExecutionCounts{Succeeded: 3, Total: 3, ResultsWritten: 3}
	if d.Status != types.MapRunStatusSucceeded || *d.ItemCounts != items || *d.ExecutionCounts != execs {
		t.Fatalf("DescribeMapRun %s items %+v executions %+v", d.Status, d.ItemCounts, d.ExecutionCounts)
	}
	children, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: run.MapRunArn})
	if err != nil || len(children.Executions) != 3 {
		t.Fatalf("ListExecutions by map run: %+v %v", children, err)
	}
	var inputs []string
	for _, ch := range children.Executions {
		de, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ch.ExecutionArn})
		if err != nil || de.Status != types.ExecutionStatusSucceeded || aws.ToString(de.Output) != aws.ToString(de.Input) {
			t.Fatalf("DescribeExecution(child) %+v %v", de, err)
		}
		inputs = append(inputs, aws.ToString(de.Input))
	}
	sort.Strings(inputs)
	if got := strings.Join(inputs, " "); got != `{"BatchInput":{"k":"K"},"Items":[1,2]} {"BatchInput":{"k":"K"},"Items":[3,4]} {"BatchInput":{"k":"K"},"Items":[5]}` {
		t.Fatalf("children's inputs %s", got)
	}
}

// An ItemReader whose read gives no array fails the run with States.ItemReaderFailed, as AWS
// fails reading an object that is not an array: this test server's tasks echo their
// parameters, an object.
func TestMapItemReaderFailsThroughTheSDK(t *testing.T) {
	c := newServer(t)
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}`
	exArn := startMachine(t, c, "reader", def, `[1]`)
	out := waitDone(t, c, exArn)
	if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "States.ItemReaderFailed" || aws.ToString(out.Cause) != "Attempting to map over non-iterable node." {
		t.Fatalf("execution %s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	run := oneMapRun(t, c, exArn)
	d, err := c.DescribeMapRun(context.Background(), &sfn.DescribeMapRunInput{MapRunArn: run.MapRunArn})
	if err != nil || d.Status != types.MapRunStatusFailed || d.ItemCounts.Total != 0 {
		t.Fatalf("DescribeMapRun %+v %v", d, err)
	}
}
