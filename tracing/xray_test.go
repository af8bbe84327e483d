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
		sampled bool
	}{
		{root + ";Parent=53995c3f42cd8ad8;Sampled=1", true, "53995c3f42cd8ad8", true},
		{root + ";Sampled=0", true, "", false},
		{root, true, "", true},
		{root + ";Sampled=?", true, "", true},
		{"Sampled=1; Parent=53995c3f42cd8ad8; " + root + "; Lineage=a87bd80c:1|68fd508a:5", true, "53995c3f42cd8ad8", true},
		{root + ";Self=1-67891233-12456789abcdef012345678;Parent=53995c3f42cd8ad8", true, "53995c3f42cd8ad8", true},
		{"", false, "", true},
		{"Parent=53995c3f42cd8ad8;Sampled=1", false, "", true},                   // no Root
		{"Root=2-5759e988-bd862e3fe1be46a994272793", false, "", true},            // version 2
		{"Root=1-5759e98-bd862e3fe1be46a994272793", false, "", true},             // 7 digits
		{"Root=1-5759e988-bd862e3fe1be46a99427279", false, "", true},             // 23 digits
		{"Root=1-5759e988-bd862e3fe1be46a99427279z", false, "", true},            // not hex
		{"Root=1-00000000-000000000000000000000000", false, "", true},            // the invalid trace id
		{root + ";Parent=53995c3f42cd8ad", false, "", true},                      // 15 digits
		{root + ";Parent=53995c3f42cd8adz", false, "", true},                     // not hex
		{"root=1-5759e988-bd862e3fe1be46a994272793", false, "", true},            // X-Ray's keys are case-sensitive
		{"Root=1-5759e988-bd862e3fe1be46a994272793-extra", false, "", true},      // trailing part
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Root=1-0", false, "", true},   // a second, malformed Root
		{"Root=1-5759e988-bd862e3fe1be46a994272793;;Sampled=0", true, "", false}, // empty field
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
		if parent != tc.parent || c.sampled != tc.sampled {
			t.Errorf("%q: parent %q sampled %v, want %q %v", tc.header, parent, c.sampled, tc.parent, tc.sampled)
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
		if c.sampled {
			flags = trace.FlagsSampled
		}
		span := c.parent
		if !span.IsValid() {
			span = trace.SpanID{1}
		}
		ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: c.trace, SpanID: span, TraceFlags: flags}))
		back, ok := parseXRay(XRayHeader(ctx))
		if !ok || back.trace != c.trace || back.parent != span || back.sampled != c.sampled {
			t.Fatalf("%q: read back from %q as %+v, %v", h, XRayHeader(ctx), back, ok)
		}
		if strings.Count(XRayHeader(ctx), ";") != 2 {
			t.Fatalf("%q", XRayHeader(ctx))
		}
	})
}
