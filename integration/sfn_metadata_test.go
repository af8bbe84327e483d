package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/store"
)

// TestStartResponseMetadata: states:startExecution's SDK metadata has an HTTP date (GMT, as
// http.ParseTime reads it) and the Content-Length of AWS's body for this execution, whose
// startDate Java writes as 1.701431596373E9 (the recordings have 164 and 163 for the same
// ARN, a date whose milliseconds end in 0 one digit shorter).
func TestStartResponseMetadata(t *testing.T) {
	arn := "arn:aws:states:eu-central-1:111111111111:execution:statemachine_create_and_record_execution_12345678:TestStartTarget"
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.UnixMilli(1701431596373), "164"},
		{time.UnixMilli(1701431596370), "163"},
	} {
		out, err := value.DecodeMaps([]byte(StartResponse(&store.Execution{Arn: arn, StartedAt: tc.at}, false)))
		if err != nil {
			t.Fatal(err)
		}
		h := out.(map[string]any)["SdkHttpMetadata"].(map[string]any)["HttpHeaders"].(map[string]any)
		if h["Content-Length"] != tc.want {
			t.Errorf("%v: Content-Length %v, want %s", tc.at, h["Content-Length"], tc.want)
		}
		if _, err := http.ParseTime(h["Date"].(string)); err != nil {
			t.Errorf("Date %v: %v", h["Date"], err)
		}
	}
	for f, want := range map[float64]string{1701431596.373: "1.701431596373E9", 1701431596.37: "1.70143159637E9", 1e9: "1.0E9", 12.5: "12.5", 3: "3.0"} {
		if got := javaDouble(f); got != want {
			t.Errorf("javaDouble(%v) = %s, want %s", f, got, want)
		}
	}
}
