package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// encodeMap is how answers were written before object: a map through json.Encoder with HTML
// escaping off.
func encodeMap(t testing.TB, m map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// asMap is the map an object stands for.
func asMap(o *object) map[string]any {
	m := map[string]any{}
	for _, x := range o.members {
		switch x.kind {
		case kindString:
			m[x.key] = x.s
		case kindEpoch:
			m[x.key] = epoch(time.UnixMilli(x.n))
		case kindInt:
			m[x.key] = x.n
		case kindRaw:
			m[x.key] = json.RawMessage(x.s)
		}
	}
	return m
}

var sampleStrings = []string{
	"", "plain", `{"i":0,"s":"a \"quoted\" \\ word"}`, "<html>&amp;</html>", "tab\tnew\nline\r\b\f\x00\x1f\x7f",
	"héllo wörld ✓ 😀", "bad \xff utf8 \xc3", "line\u2028sep\u2029", "arn:aws:states:us-east-1:123456789012:execution:m:e",
}

func TestObjectMatchesMap(t *testing.T) {
	keys := []string{"executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate", "input",
		"inputDetails", "output", "outputDetails", "error", "cause", "redriveCount", "redriveStatus",
		"redriveStatusReason", "stateMachineVersionArn", "stateMachineAliasArn", "mapRunArn", "billingDetails",
		"stepwiseParentExecutionArn", "a", "A", "é"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		o := newObject()
		for n := rng.IntN(len(keys) + 4); n > 0; n-- { // repeated keys too: the last one wins
			k := keys[rng.IntN(len(keys))]
			switch rng.IntN(4) {
			case 0:
				o.str(k, sampleStrings[rng.IntN(len(sampleStrings))])
			case 1:
				o.epoch(k, time.UnixMilli(rng.Int64N(4e12)))
			case 2:
				o.int(k, rng.Int64N(1000)-10)
			case 3:
				o.raw(k, included)
			}
		}
		want := encodeMap(t, asMap(o))
		if got := o.appendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("object wrote\n%s\nthe map\n%s", got, want)
		}
		// json.Marshal (Invoke) escapes HTML in what MarshalJSON returns, as it did in maps.
		mj, err := json.Marshal(asMap(o))
		if err != nil {
			t.Fatal(err)
		}
		if oj, err := json.Marshal(o); err != nil || !bytes.Equal(oj, mj) {
			t.Fatalf("json.Marshal(object) = %s, %v; of the map %s", oj, err, mj)
		}
	}
}

func TestEpochMillis(t *testing.T) {
	for ms, want := range map[int64]string{0: "0.000", 1: "0.001", 999: "0.999", 1000: "1.000", 1001: "1.001",
		1764650000123: "1764650000.123", -1: "-0.001", -1000: "-1.000", -1234567: "-1234.567"} {
		got := appendEpochMillis(nil, ms)
		if string(got) != want {
			t.Errorf("%d: %s, want %s", ms, got, want)
		}
		var f float64
		if err := json.Unmarshal(got, &f); err != nil || f != float64(ms)/1000 {
			t.Errorf("%d: %s reads back as %v, %v", ms, got, f, err)
		}
	}
}
