package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/internal/pgtest"
)

// TestPostgresDumpAndRestore backs a PostgreSQL store up with pg_dump while serve runs
// executions that wait, loses the schema (the server killed, the schema dropped), restores
// the dump with pg_restore and serves again: the executions that were running go on.
func TestPostgresDumpAndRestore(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s NOT INSTALLED: the PostgreSQL backup test did not run (apt-get install postgresql-client)", tool)
		}
	}
	dsn := freshPostgres(t)
	u, _ := url.Parse(dsn)
	schema := u.Query().Get("search_path")
	plain := pgtest.URL()
	s := serve(t, "--store", dsn, "--lease-ttl", "1s")
	c := client(s.url)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("waits"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"Next":"P"},"P":{"Type":"Pass","Result":"done","End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for i := range 10 {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(fmt.Sprintf("e%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.ExecutionArn))
	}
	dump := filepath.Join(t.TempDir(), "stepwise.dump")
	if out, err := exec.Command("pg_dump", "--dbname="+plain, "--schema="+schema, "--format=custom", "--file="+dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	s.kill9(t)
	conn, err := pgx.Connect(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if out, err := exec.Command("pg_restore", "--dbname="+plain, "--exit-on-error", dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	c = client(serve(t, "--store", dsn, "--lease-ttl", "1s").url)
	deadline := time.Now().Add(30 * time.Second)
	for _, arn := range arns {
		for {
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			if err != nil {
				t.Fatalf("%s after restore: %v", arn, err)
			}
			if d.Status == types.ExecutionStatusSucceeded && aws.ToString(d.Output) == `"done"` {
				break
			}
			if d.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
				t.Fatalf("%s after restore: %s %s", arn, d.Status, aws.ToString(d.Output))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
