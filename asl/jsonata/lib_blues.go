package jsonata

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	blues "github.com/blues/jsonata-go"
	"github.com/blues/jsonata-go/jlib"
	"github.com/blues/jsonata-go/jparse"
	"github.com/blues/jsonata-go/jtypes"

	"github.com/stepwise-run/stepwise/asl/value"
)

// bluesMu serialises evaluations: the library keeps per-call state (context, name) in its
// shared built-in function values, so concurrent evaluations race.
var bluesMu sync.Mutex

// bluesExpr evaluates with github.com/blues/jsonata-go. Its values are float64-based, so input
// and variables are converted at the boundary.
type bluesExpr struct{ e *blues.Expr }

func compileBlues(expr string) (backend, error) {
	e, err := blues.Compile(expr)
	if err != nil {
		return nil, bluesError(err)
	}
	return bluesExpr{e}, nil
}

func (b bluesExpr) eval(input any, vars map[string]any, env Env) (v any, defined bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, defined, err = nil, false, &Error{Code: "D1001", Message: fmt.Sprint(r)}
		}
	}()
	// The compiled expression holds no registry of its own (nothing is registered on it), so a
	// shallow copy gets a fresh one: the variables of this call stay private to it.
	e := *b.e
	if len(vars) > 0 {
		lv := make(map[string]any, len(vars))
		for k, x := range vars {
			lv[k] = toFloat(x)
		}
		if err := e.RegisterVars(lv); err != nil {
			return nil, false, err
		}
	}
	if err := e.RegisterExts(bluesExts(env)); err != nil {
		return nil, false, err
	}
	in := toFloat(input)
	out, err := func() (any, error) {
		bluesMu.Lock()
		defer bluesMu.Unlock()
		return e.Eval(in)
	}()
	if err == blues.ErrUndefined {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, bluesError(err)
	}
	res, err := fromLib(out)
	if err != nil {
		return nil, false, err
	}
	return res, true, nil
}

func bluesExts(env Env) map[string]blues.Extension {
	ms := env.now().UnixMilli()
	return map[string]blues.Extension{
		"millis": {Func: func() float64 { return float64(ms) }},
		"now": {Func: func(picture, tz jtypes.OptionalString) (string, error) {
			return jlib.FromMillis(ms, picture, tz)
		}},
		"random": {Func: func(seed jtypes.OptionalFloat64) float64 {
			if seed.IsSet() {
				return seededRandom(seed.Float64)
			}
			return env.random()
		}},
		"uuid": {Func: func() string { return env.uuid() }},
		"partition": {Func: func(arr any, size float64) ([]any, error) {
			return partition(asArray(arr), size)
		}, UndefinedHandler: jtypes.ArgUndefined(0)},
		"range": {Func: func(start, end, step float64) ([]float64, error) {
			return rangeOf(start, end, step)
		}},
		"hash": {Func: func(s, algo string) (string, error) {
			return hashOf(s, algo)
		}, UndefinedHandler: jtypes.ArgUndefined(0)},
		"parse": {Func: func(s string) (any, error) {
			v, err := value.DecodeString(s)
			if err != nil {
				return nil, &Error{Code: "D3001", Message: "Invalid argument: The value of the argument 'jsonString' must be a valid JSON string"}
			}
			return toFloat(v), nil
		}, UndefinedHandler: jtypes.ArgUndefined(0)},
		"eval": {Func: func(any) (any, error) {
			return nil, &Error{Code: "T1006", Message: "Attempted to invoke a non-function"}
		}},
	}
}

func asArray(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

// toFloat converts a value to the library's conventions: numbers as float64.
func toFloat(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := value.Float(x)
		return f
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toFloat(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = toFloat(e)
		}
		return out
	}
	return v
}

// fromLib converts a library result to the value conventions.
func fromLib(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return x, nil
	case float64:
		return value.FromFloat(x), nil
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			c, err := fromLib(e)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := fromLib(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case jtypes.Callable:
		return nil, ErrFunctionResult
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Func:
		return nil, ErrFunctionResult
	case reflect.Slice, reflect.Array:
		out := make([]any, 0, rv.Len())
		for i := 0; i < rv.Len(); i++ {
			c, err := fromLib(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			c, err := fromLib(it.Value().Interface())
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(it.Key().Interface())] = c
		}
		return out, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return value.FromInt(rv.Int()), nil
	case reflect.Float32, reflect.Float64:
		return value.FromFloat(rv.Float()), nil
	case reflect.Ptr, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return fromLib(rv.Elem().Interface())
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, ErrFunctionResult
	}
	return value.Decode(data)
}

// bluesError turns a library error into an *Error with the JSONata code where it is known.
func bluesError(err error) error {
	var je *Error
	if errors.As(err, &je) {
		return je
	}
	var pe *jparse.Error
	if errors.As(err, &pe) {
		return &Error{Code: "S0201", Message: pe.Error(), Position: pe.Position}
	}
	var ee *blues.EvalError
	if errors.As(err, &ee) {
		switch ee.Type {
		case blues.ErrNonCallable, blues.ErrNonCallableApply, blues.ErrNonCallablePartial:
			return &Error{Code: "T1006", Message: "Attempted to invoke a non-function"}
		}
	}
	msg := err.Error()
	if strings.Contains(msg, "cannot call non-function") {
		return &Error{Code: "T1006", Message: "Attempted to invoke a non-function"}
	}
	return &Error{Code: "D1001", Message: msg}
}
