package optimized

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stepwise-run/stepwise/runner"
)

// TestFailureNames: how each kind of failed call is named, per service.
func TestFailureNames(t *testing.T) {
	for _, tc := range []struct {
		svc       string
		err       error
		name      string
		cause     string
		unchanged bool
	}{
		{"sns", &ServiceError{Code: "NotFound", Message: "Topic does not exist", Status: 404, RequestID: "r", Exception: "NotFoundException"},
			"SNS.NotFoundException", "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: r; Proxy: null)", false},
		{"ecs", &ServiceError{Code: "AccessDeniedException", Message: "no", Status: 400, RequestID: "r"},
			"ECS.AmazonECSException", "no (Service: AmazonECS; Status Code: 400; Error Code: AccessDeniedException; Request ID: r; Proxy: null)", false},
		{"batch", fmt.Errorf("wrapped: %w", &ConnectionError{Host: "batch.local", Reason: "Connection refused"}),
			"Batch.SdkClientException", "Unable to execute HTTP request: batch.local: Connection refused", false},
		{"glue", fmt.Errorf("Post: %w", context.DeadlineExceeded), "Glue.SdkClientException", "Unable to execute HTTP request: Read timed out", false},
		{"athena", errors.New("no credentials"), "Athena.SdkClientException", "no credentials", false},
		{"codebuild", context.Canceled, "", "", true},
	} {
		err := failure(services[tc.svc], tc.err)
		if tc.unchanged {
			if err != tc.err {
				t.Errorf("%s: %v", tc.svc, err)
			}
			continue
		}
		var te *runner.TaskError
		if !errors.As(err, &te) || te.Name != tc.name || te.Cause != tc.cause {
			t.Errorf("%s: %v, want %s: %s", tc.svc, err, tc.name, tc.cause)
		}
	}
}
