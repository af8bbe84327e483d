// Command notify is the approval's notify-approver Lambda function for `stepwise serve`: in
// place of a mail to the approver, it writes the commands that answer the task token to its
// log (serve's stderr, as Lambda's go to CloudWatch Logs).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

type request struct {
	TaskToken string `json:"taskToken"`
	Order     string `json:"order"`
	Execution string `json:"execution"`
}

func handle(ctx context.Context, r request) (map[string]string, error) {
	if r.TaskToken == "" {
		return nil, fmt.Errorf("no task token in the request")
	}
	fmt.Fprintf(os.Stderr, "order %s awaits approval (execution %s). To approve:\n"+
		"  aws stepfunctions send-task-success --task-token '%s' --task-output '{\"approver\":\"you\"}'\n"+
		"To reject:\n"+
		"  aws stepfunctions send-task-failure --task-token '%s' --error Rejected --cause 'why'\n",
		r.Order, r.Execution, r.TaskToken, r.TaskToken)
	return map[string]string{"sent": "log"}, nil
}

func main() { lambda.Start(handle) }
