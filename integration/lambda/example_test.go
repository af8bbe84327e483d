package lambda_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/lambda"
)

// A Go program that embeds Stepwise registers its functions as Go funcs; a bare function
// ARN as a Task's Resource then runs them in process.
func Example() {
	rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{
		"shout": {Func: func(ctx context.Context, payload []byte) ([]byte, error) {
			return []byte(strings.ToUpper(string(payload))), nil
		}},
	}})
	defer rt.Close()
	out, err := rt.RunTask(context.Background(), &engine.Task{
		Resource:   "arn:aws:lambda:us-east-1:123456789012:function:shout",
		Parameters: `"hello"`,
	})
	fmt.Println(out, err)
	// Output: "HELLO" <nil>
}
