package optimized

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// javaDates renders an API output's timestamp members as the Java SDK v1 result objects
// serialise a Date in Step Functions' optimized results: epoch milliseconds (recorded in
// ECS's .sync results, and in sfn.go's StartDate). The client may hand timestamps over as
// epoch seconds (json.Number, as awsJson carries them) or as RFC 3339 text; which members
// are timestamps comes from the service's model. Without a model the output is unchanged.
func javaDates(sdkService, action string, out any) any {
	svc, err := model.Embedded().Service(sdkService)
	if err != nil {
		return out
	}
	op := svc.Operation(action)
	if op == nil || op.Output == nil {
		return out
	}
	return datesIn(svc, op.Output, out, 0)
}

func datesIn(svc *model.Service, ref *model.ShapeRef, v any, depth int) any {
	sh := svc.Shape(ref.Shape)
	if sh == nil || depth > 64 {
		return v
	}
	switch sh.Type {
	case "timestamp":
		return millisOf(v)
	case "structure":
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = e
			for name, mref := range sh.Members {
				if name == k || upperFirst(name) == k {
					out[k] = datesIn(svc, mref, e, depth+1)
					break
				}
			}
		}
		return out
	case "list":
		l, ok := v.([]any)
		if !ok || sh.Member == nil {
			return v
		}
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = datesIn(svc, sh.Member, e, depth+1)
		}
		return out
	case "map":
		m, ok := v.(map[string]any)
		if !ok || sh.Value == nil {
			return v
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = datesIn(svc, sh.Value, e, depth+1)
		}
		return out
	}
	return v
}

// millisOf reads a timestamp as epoch seconds or RFC 3339 text and renders it in epoch
// milliseconds; anything else is left as is.
func millisOf(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) || math.Abs(f) > 1e14 {
			return v
		}
		return value.FromInt(int64(math.Round(f * 1000)))
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return value.FromInt(t.UnixMilli())
		}
	}
	return v
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
