package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
)

// loopDef counts to n with a Pass state (Parameters and an intrinsic) and a Choice state.
func loopDef(n int) string {
	return fmt.Sprintf(`{"StartAt":"Init","States":{
	"Init":{"Type":"Pass","Result":{"i":0,"name":"bench"},"Next":"Inc"},
	"Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)","name.$":"$.name","tag.$":"States.Format('{}-{}', $.name, $.i)"},"Next":"Check"},
	"Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":%d,"Next":"Inc"}],"Default":"Done"},
	"Done":{"Type":"Succeed"}}}`, n)
}

func mapDef() string {
	return `{"StartAt":"M","States":{"M":{"Type":"Map","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
	"ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"$.v"},"End":true}}},"End":true}}}`
}

func startFor(input string) engine.Start {
	return engine.Start{
		ExecutionArn:    "arn:aws:states:us-east-1:123456789012:execution:bench:e",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench",
		Input:           input, Time: t0, Seed: 1,
	}
}

// run starts an execution and fires the timers due at once (the yields of a long call) until
// it waits for something else or ends; it returns the execution and all its events.
func run(in *engine.Interpreter, st engine.Start) (*engine.Execution, []history.Event) {
	ex, step := in.Start(st)
	events := step.Events
	for !ex.Done() {
		timer := int64(0)
		for _, c := range step.Commands {
			if c.Kind == engine.StartTimer && !c.At.After(st.Time) {
				timer = c.TimerID
			}
		}
		if timer == 0 {
			break
		}
		step = in.Apply(ex, engine.Event{Kind: engine.TimerFired, TimerID: timer, Time: st.Time})
		events = append(events, step.Events...)
	}
	return ex, events
}

func mustInterpreter(b *testing.B, def string, cfg engine.Config) *engine.Interpreter {
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	cfg.Region = "us-east-1"
	return engine.New(sm, cfg)
}

// BenchmarkPassChoiceLoop measures state transitions of pure states with history recorded in
// memory (one op = one execution of 1,000 transitions).
func BenchmarkPassChoiceLoop(b *testing.B) {
	in := mustInterpreter(b, loopDef(500), engine.Config{})
	b.ReportAllocs()
	transitions := 0
	for b.Loop() {
		ex, events := run(in, startFor(`{}`))
		if ex.Status != engine.Succeeded {
			b.Fatalf("status %s", ex.Status)
		}
		transitions += len(events) / 2
	}
	b.ReportMetric(float64(transitions)/b.Elapsed().Seconds(), "transitions/s")
}

// BenchmarkMap1000 runs an inline Map over 1,000 items.
func BenchmarkMap1000(b *testing.B) {
	in := mustInterpreter(b, mapDef(), engine.Config{})
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	input := "[" + strings.Join(items, ",") + "]"
	b.ReportAllocs()
	for b.Loop() {
		ex, _ := run(in, startFor(input))
		if ex.Status != engine.Succeeded {
			b.Fatalf("status %s", ex.Status)
		}
	}
}

// BenchmarkHistoryQuota runs a loop into the 25,000-event quota.
func BenchmarkHistoryQuota(b *testing.B) {
	in := mustInterpreter(b, loopDef(1_000_000), engine.Config{})
	b.ReportAllocs()
	for b.Loop() {
		ex, events := run(in, startFor(`{}`))
		if ex.Status != engine.Failed || len(events) != 25000 {
			b.Fatalf("status %s, %d events", ex.Status, len(events))
		}
	}
}

// BenchmarkPassState compares one Pass state in each query language doing the same work: build
// an object from two input fields and assign a variable. JSONata's target is at most twice
// JSONPath's cost.
func BenchmarkPassState(b *testing.B) {
	for _, bc := range []struct{ name, def string }{
		{"JSONPath", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$.a","b.$":"$.b.c"},
			"Assign":{"seen.$":"$.a"},"End":true}}}`},
		{"JSONata", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"a":"{% $states.input.a %}","b":"{% $states.input.b.c %}"},
			"Assign":{"seen":"{% $states.input.a %}"},"End":true}}}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			in := mustInterpreter(b, bc.def, engine.Config{})
			b.ReportAllocs()
			for b.Loop() {
				ex, _ := in.Start(startFor(`{"a":1,"b":{"c":"x"}}`))
				if ex.Status != engine.Succeeded || ex.Output != `{"a":1,"b":"x"}` {
					b.Fatalf("status %s output %s", ex.Status, ex.Output)
				}
			}
		})
	}
}
