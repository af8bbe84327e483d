package tracing

import (
	"encoding/hex"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// caller is the trace context an execution was started in: the X-Ray trace header
// StartExecution was given (X-Amzn-Trace-Id, or traceHeader in the body).
type caller struct {
	trace   trace.TraceID
	parent  trace.SpanID // the caller's segment (Parent=), invalid when the header has none
	decided decided      // Sampled=1, Sampled=0, or neither
}

// parseXRay reads an X-Ray trace header, "Root=1-5759e988-bd862e3fe1be46a994272793;
// Parent=53995c3f42cd8ad8;Sampled=1": its fields in any order, separated by ";" with optional
// spaces, others (Lineage, Self, ...) ignored. ok is false without a well-formed Root, or with
// a malformed Parent. Sampled=1 and Sampled=0 are the caller's decision to trace or not;
// without Sampled (or with "?", undecided) the Exporter's sampler decides, as for an
// execution started without a header.
//
// Written by hand: the OpenTelemetry X-Ray propagator (go.opentelemetry.io/contrib/
// propagators/aws) parses the same header, but through a context and a carrier, and it would
// be one more module for these few lines.
func parseXRay(h string) (c caller, ok bool) {
	root := false
	for field := range strings.SplitSeq(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch k {
		case "Root":
			// 1-<8 hex digits: the epoch second>-<24 hex digits>
			ver, rest, _ := strings.Cut(v, "-")
			epoch, unique, _ := strings.Cut(rest, "-")
			if ver != "1" || len(epoch) != 8 || len(unique) != 24 {
				return c, false
			}
			if _, err := hex.Decode(c.trace[:4], []byte(epoch)); err != nil {
				return c, false
			}
			if _, err := hex.Decode(c.trace[4:], []byte(unique)); err != nil {
				return c, false
			}
			root = c.trace.IsValid()
		case "Parent":
			if len(v) != 16 {
				return c, false
			}
			if _, err := hex.Decode(c.parent[:], []byte(v)); err != nil {
				return c, false
			}
		case "Sampled":
			switch v {
			case "1":
				c.decided = sampledByCaller
			case "0":
				c.decided = droppedByCaller
			}
		}
	}
	return c, root
}
