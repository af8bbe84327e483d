package api

import (
	"encoding/json"
	"testing"

	"github.com/stepwise-run/stepwise/store"
)

// The SDKs cannot tell an absent list from an empty one; deployment tools diffing the raw
// JSON can, so the shapes recorded on AWS are checked on the wire form.
func TestLoggingConfigurationShape(t *testing.T) {
	for _, tc := range []struct {
		name, request, want string
	}{
		{"absent", ``, `{"level":"OFF","includeExecutionData":false}`},
		{"empty", `{}`, `{"level":"OFF","includeExecutionData":false}`},
		{"empty destinations", `{"destinations":[]}`, `{"level":"OFF","includeExecutionData":false,"destinations":[]}`},
		{"all", `{"level":"ALL","includeExecutionData":true,"destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/x:*"}}]}`,
			`{"level":"ALL","includeExecutionData":true,"destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/x:*"}}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c smConfig
			if tc.request != "" {
				var in loggingConfiguration
				if err := json.Unmarshal([]byte(tc.request), &in); err != nil {
					t.Fatal(err)
				}
				var err error
				if c.Logging, err = checkLogging(&in); err != nil {
					t.Fatal(err)
				}
			}
			out, _ := json.Marshal(describeSM(&store.StateMachine{Config: c.String()})["loggingConfiguration"])
			if string(out) != tc.want {
				t.Errorf("got  %s\nwant %s", out, tc.want)
			}
		})
	}
}

func TestEncryptionConfigurationShape(t *testing.T) {
	out, _ := json.Marshal(describeSM(&store.StateMachine{Config: "{}"})["encryptionConfiguration"])
	if want := `{"type":"AWS_OWNED_KEY"}`; string(out) != want {
		t.Errorf("default %s, want %s", out, want)
	}
}
