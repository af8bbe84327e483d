package runner

import (
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl/value"
)

var jsonSamples = []string{
	`{}`, `{"i":0}`, ` [1, 2.5e10, "x", null, true] `, `"s"`, `12345678901234567890123`, `{}}`, `{} ]`,
	`{}x`, `[1] 2`, `{"a":}`, `{"a":1,}`, `"\xff"`, `"\ud800"`, `{"a" 1}`, `tru`, `{`, `{"a":"b"}{}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001), "\t{}\n", `{"a":"\u00e9"}`, `01`, `-`, `1.`, `NaN`,
}

func sameAsDecode(t *testing.T, s string) {
	_, want := value.DecodeString(s)
	got := checkJSON(s)
	if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
		t.Fatalf("%.80q: checkJSON %v, DecodeString %v", s, got, want)
	}
}

func TestCheckJSONAsDecode(t *testing.T) {
	for _, s := range jsonSamples {
		sameAsDecode(t, s)
	}
}

func FuzzCheckJSON(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add(s)
	}
	f.Fuzz(sameAsDecode)
}
