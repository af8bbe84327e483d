// Command libmeasure runs the reference JSONata test suite against the two Go JSONata
// libraries considered for asl/jsonata (blues/jsonata-go and xiatechs/jsonata-go) and prints the
// pass rate per group, overall, and for the groups of functions AWS supports; then a
// microbenchmark of a "$states.input.a" style expression. It is a separate module so the main
// module does not depend on the library that was not chosen.
//
//	cd asl/jsonata/internal/libmeasure && go run . ../../testdata/jsonata-suite
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	blues "github.com/blues/jsonata-go"
	xia "github.com/xiatechs/jsonata-go"
)

type testCase struct {
	Expr      string          `json:"expr"`
	Data      json.RawMessage `json:"data"`
	Dataset   *string         `json:"dataset"`
	Bindings  map[string]any  `json:"bindings"`
	Result    json.RawMessage `json:"result"`
	Undefined bool            `json:"undefinedResult"`
	Code      string          `json:"code"`
	Depth     int             `json:"depth"`
	TimeLimit int             `json:"timelimit"`
}

type evalFn func(expr string, input any, vars map[string]any) (any, bool, error)

func runBlues(expr string, input any, vars map[string]any) (out any, def bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	e, err := blues.Compile(expr)
	if err != nil {
		return nil, false, err
	}
	if len(vars) > 0 {
		if err := e.RegisterVars(vars); err != nil {
			return nil, false, err
		}
	}
	v, err := e.Eval(input)
	if err == blues.ErrUndefined {
		return nil, false, nil
	}
	return v, err == nil, err
}

func runXia(expr string, input any, vars map[string]any) (out any, def bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	e, err := xia.Compile(expr)
	if err != nil {
		return nil, false, err
	}
	if len(vars) > 0 {
		if err := e.RegisterVars(vars); err != nil {
			return nil, false, err
		}
	}
	v, err := e.Eval(input)
	if err == xia.ErrUndefined {
		return nil, false, nil
	}
	return v, err == nil, err
}

// awsUnsupported lists suite groups for features AWS does not offer ($eval).
var awsUnsupported = map[string]bool{"function-eval": true}

func main() {
	dir := os.Args[1]
	datasets := map[string]any{}
	files, _ := filepath.Glob(filepath.Join(dir, "datasets", "*.json"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var v any
		json.Unmarshal(b, &v)
		datasets[strings.TrimSuffix(filepath.Base(f), ".json")] = v
	}
	groups, _ := filepath.Glob(filepath.Join(dir, "groups", "*"))
	for _, lib := range []struct {
		name string
		fn   evalFn
	}{{"blues/jsonata-go v1.5.4", runBlues}, {"xiatechs/jsonata-go v1.8.8", runXia}} {
		total, pass, ftotal, fpass := 0, 0, 0, 0
		var lines []string
		for _, g := range groups {
			name := filepath.Base(g)
			cases, _ := filepath.Glob(filepath.Join(g, "*.json"))
			gt, gp := 0, 0
			for _, cf := range cases {
				b, _ := os.ReadFile(cf)
				var list []testCase
				if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
					json.Unmarshal(b, &list)
				} else {
					var c testCase
					json.Unmarshal(b, &c)
					list = []testCase{c}
				}
				for _, c := range list {
					gt++
					if runCase(lib.fn, c, datasets) {
						gp++
					}
				}
			}
			total += gt
			pass += gp
			if strings.HasPrefix(name, "function-") && !awsUnsupported[name] {
				ftotal += gt
				fpass += gp
			}
			lines = append(lines, fmt.Sprintf("  %-28s %3d/%3d", name, gp, gt))
		}
		sort.Strings(lines)
		fmt.Printf("%s\n", lib.name)
		if len(os.Args) > 2 {
			fmt.Println(strings.Join(lines, "\n"))
		}
		fmt.Printf("  overall %d/%d = %.1f%%; AWS-supported function groups %d/%d = %.1f%%\n", pass, total, 100*float64(pass)/float64(total), fpass, ftotal, 100*float64(fpass)/float64(ftotal))
		// Microbenchmark: compile once, evaluate $.a style path with a variable.
		bench(lib.name)
	}
}

func bench(name string) {
	input := map[string]any{"a": 1.0, "b": "two", "c": []any{1.0, 2.0, 3.0}}
	vars := map[string]any{"states": map[string]any{"input": input}}
	const n = 20000
	start := time.Now()
	if strings.HasPrefix(name, "blues") {
		e := blues.MustCompile("$states.input.a")
		for i := 0; i < n; i++ {
			// A compiled expression holds its variables; binding per call needs a fresh one.
			e2 := *e
			_ = e2.RegisterVars(vars)
			e2.Eval(input)
		}
	} else {
		e := xia.MustCompile("$states.input.a")
		for i := 0; i < n; i++ {
			e2 := *e
			_ = e2.RegisterVars(vars)
			e2.Eval(input)
		}
	}
	fmt.Printf("  eval $states.input.a (vars bound per call): %v/op\n", time.Since(start)/n)
}

func runCase(fn evalFn, c testCase, datasets map[string]any) bool {
	if c.Depth > 0 || c.TimeLimit > 0 {
		// Both libraries overflow the goroutine stack (a fatal error, not a panic) on the
		// unbounded-recursion cases; count them as failures without running them.
		return false
	}
	var input any
	if c.Data != nil {
		json.Unmarshal(c.Data, &input)
	} else if c.Dataset != nil {
		input = datasets[*c.Dataset]
	}
	type res struct {
		v   any
		def bool
		err error
	}
	ch := make(chan res, 1)
	go func() {
		v, d, err := fn(c.Expr, input, c.Bindings)
		ch <- res{v, d, err}
	}()
	var r res
	select {
	case r = <-ch:
	case <-time.After(2 * time.Second):
		return false
	}
	switch {
	case c.Code != "":
		return r.err != nil
	case c.Undefined:
		return r.err == nil && !r.def
	case c.Result != nil:
		if r.err != nil || !r.def {
			return false
		}
		var want any
		json.Unmarshal(c.Result, &want)
		return deepEq(norm(r.v), want)
	}
	return false
}

func norm(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	json.Unmarshal(b, &out)
	return out
}

func deepEq(a, b any) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && (fa == fb || math.Abs(fa-fb) < 1e-9*math.Max(1, math.Abs(fb)))
	}
	return reflect.DeepEqual(a, b)
}
