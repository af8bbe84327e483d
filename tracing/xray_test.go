package tracing

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func TestParseXRay(t *testing.T) {
	const root = "Root=1-5759e988-bd862e3fe1be46a994272793"
	for _, tc := range []struct {
		header  string
		ok      bool
		parent  string // hex, "" for none
		decided decided
	}{
		{root + ";Parent=53995c3f42cd8ad8;Sampled=1", true, "53995c3f42cd8ad8", sampledByCaller},
		{root + ";Sampled=0", true, "", droppedByCaller},
		{root, true, "", undecided},
		{root + ";Sampled=?", true, "", undecided},
		{"Sampled=1; Parent=53995c3f42cd8ad8; " + root + "; Lineage=a87bd80c:1|68fd508a:5", true, "53995c3f42cd8ad8", sampledByCaller},
		{root + ";Self=1-67891233-12456789abcdef012345678;Parent=53995c3f42cd8ad8", true, "53995c3f42cd8ad8", undecided},
		{"", false, "", undecided},
		{"Parent=53995c3f42cd8ad8;Sampled=1", false, "", undecided},                        // no Root
		{"Root=2-5759e988-bd862e3fe1be46a994272793", false, "", undecided},                 // version 2
		{"Root=1-5759e98-bd862e3fe1be46a994272793", false, "", undecided},                  // 7 digits
		{"Root=1-5759e988-bd862e3fe1be46a99427279", false, "", undecided},                  // 23 digits
		{"Root=1-5759e988-bd862e3fe1be46a99427279z", false, "", undecided},                 // not hex
		{"Root=1-00000000-000000000000000000000000", false, "", undecided},                 // the invalid trace id
		{root + ";Parent=53995c3f42cd8ad", false, "", undecided},                           // 15 digits
		{root + ";Parent=53995c3f42cd8adz", false, "", undecided},                          // not hex
		{"root=1-5759e988-bd862e3fe1be46a994272793", false, "", undecided},                 // X-Ray's keys are case-sensitive
		{"Root=1-5759e988-bd862e3fe1be46a994272793-extra", false, "", undecided},           // trailing part
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Root=1-0", false, "", undecided},        // a second, malformed Root
		{"Root=1-5759e988-bd862e3fe1be46a994272793;;Sampled=0", true, "", droppedByCaller}, // empty field
	} {
		c, ok := parseXRay(tc.header)
		if ok != tc.ok {
			t.Errorf("%q: ok %v, want %v", tc.header, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if c.trace.String() != "5759e988bd862e3fe1be46a994272793" {
			t.Errorf("%q: trace %s", tc.header, c.trace)
		}
		parent := ""
		if c.parent.IsValid() {
			parent = c.parent.String()
		}
		if parent != tc.parent || c.decided != tc.decided {
			t.Errorf("%q: parent %q decided %v, want %q %v", tc.header, parent, c.decided, tc.parent, tc.decided)
		}
	}
}

// FuzzParseXRay: a header that parses is the trace XRayHeader writes for it back again.
func FuzzParseXRay(f *testing.F) {
	f.Add("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	f.Add("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0")
	f.Add("Sampled=1;Root=1-5759e988-bd862e3fe1be46a994272793")
	f.Fuzz(func(t *testing.T, h string) {
		c, ok := parseXRay(h)
		if !ok {
			return
		}
		if !c.trace.IsValid() {
			t.Fatalf("%q: parsed an invalid trace id", h)
		}
		flags := trace.TraceFlags(0)
		if c.decided != droppedByCaller {
			flags = trace.FlagsSampled
		}
		span := c.parent
		if !span.IsValid() {
			span = trace.SpanID{1}
		}
		ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: c.trace, SpanID: span, TraceFlags: flags}))
		back, ok := parseXRay(XRayHeader(ctx))
		if !ok || back.trace != c.trace || back.parent != span || (back.decided == sampledByCaller) != (c.decided != droppedByCaller) {
			t.Fatalf("%q: read back from %q as %+v, %v", h, XRayHeader(ctx), back, ok)
		}
		if strings.Count(XRayHeader(ctx), ";") != 2 {
			t.Fatalf("%q", XRayHeader(ctx))
		}
	})
}
