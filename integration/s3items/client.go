package s3items

import (
	"context"
	"errors"

	"github.com/stepwise-run/stepwise/integration/awssdk"
)

// FromClient reads and writes S3 through the model-driven AWS client: the same endpoint
// (AWS_ENDPOINT_URL_S3, ...), credentials and signatures as aws-sdk:s3 tasks.
func FromClient(c *awssdk.Client) SDK {
	return SDK{Call: func(ctx context.Context, action string, params map[string]any) (map[string]any, error) {
		res, err := c.Call(ctx, awssdk.Call{Service: "s3", Action: action, Params: params})
		if err != nil {
			var se *awssdk.ServiceError
			if errors.As(err, &se) {
				return nil, se.TaskError() // S3.<Code>Exception, which keeps S3's code in the cause
			}
			var ce *awssdk.ClientError
			if errors.As(err, &ce) {
				return nil, ce.TaskError()
			}
			return nil, err
		}
		out, _ := res.Output.(map[string]any)
		if out == nil {
			out = map[string]any{}
		}
		return out, nil
	}}
}
