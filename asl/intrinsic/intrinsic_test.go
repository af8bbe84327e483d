package intrinsic

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl/value"
)

var errNotFound = errors.New("path not found")

// resolver looks paths up in a small document: "$.a.b" in input, "$$.a" in context and
// "$name.a" in the variables.
func resolver(input, context string, vars map[string]string) Resolver {
	in, _ := value.DecodeString(input)
	ctx, _ := value.DecodeString(context)
	return func(path string) (any, error) {
		var doc any
		var rest string
		switch {
		case strings.HasPrefix(path, "$$"):
			doc, rest = ctx, path[2:]
		case path == "$" || strings.HasPrefix(path, "$."):
			doc, rest = in, path[1:]
		default:
			name, r, _ := strings.Cut(path[1:], ".")
			text, ok := vars[name]
			if !ok {
				return nil, errNotFound
			}
			doc, _ = value.DecodeString(text)
			if r != "" {
				rest = "." + r
			}
		}
		for _, key := range strings.Split(rest, ".")[1:] {
			var ok bool
			if doc, ok = value.Get(doc, key); !ok {
				return nil, errNotFound
			}
		}
		return doc, nil
	}
}

// fixedRandom returns the same UUID and the largest number every time.
type fixedRandom struct{}

func (fixedRandom) UUID() string   { return "00000000-0000-4000-8000-000000000000" }
func (fixedRandom) Intn(n int) int { return n - 1 }

const input = `{
	"s": "HelloWorld", "empty": "", "blank": " ", "n": 1, "f": 1.1, "t": true, "nul": null,
	"arr": [1, 2, 3, 4, 5, 6, 7, 8, 9], "obj": {"Arg1": 1, "Arg2": []},
	"json": "{\"Arg1\": 1, \"Arg2\": []}", "tpl": "It's {}!", "csv": "a,b,,c",
	"nested": [[1, 2, 3], 2], "dups": [null, null, true, true, 1, 1.0, "x", "x", [], [], {"a": 1, "b": 2}, {"b": 2, "a": 1}],
	"o1": {"a": {"a1": 1}, "b": 2, "d": 3}, "o2": {"a": {"a3": 1}, "c": 3, "d": 4},
	"big": 2147483647, "brace": "a{b",
	"ord": {"b": 1, "a": {"z": 1, "y": 2}}
}`

const context = `{"StateMachine": {"Id": "arn:aws:states:us-east-1:111111111111:stateMachine:my-machine", "Name": "my-machine"}}`

func TestEval(t *testing.T) {
	resolve := resolver(input, context, map[string]string{"v": `{"x": "var"}`, "tpl": `"Hi {}"`})
	tests := []struct {
		name, call, want string // want is compact JSON
	}{
		{"Format", "States.Format('Formatting argument {}.', $.s)", `"Formatting argument HelloWorld."`},
		{"Format empty", "States.Format('[{}]', $.empty)", `"[]"`},
		{"Format null", "States.Format('{}', $.nul)", `"null"`},
		{"Format numbers", "States.Format('{} {} {}', $.n, $.f, $.t)", `"1 1.1 true"`},
		{"Format json text", "States.Format('{}', $.json)", `"{\"Arg1\": 1, \"Arg2\": []}"`},
		{"Format object", "States.Format('fst={}.', $.obj)", `"fst={Arg1=1, Arg2=[]}."`},
		{"Format array", "States.Format('{}', $.nested)", `"[[1, 2, 3], 2]"`},
		{"Format context", "States.Format('snd={}', $$.StateMachine)", `"snd={Id=arn:aws:states:us-east-1:111111111111:stateMachine:my-machine, Name=my-machine}"`},
		{"Format no placeholder", "States.Format('plain')", `"plain"`},
		{"Format escapes", `States.Format('\'{}\' \{\} \\', $.s)`, `"'HelloWorld' {} \\"`},
		{"Format template from path", "States.Format($.tpl, $.s)", `"It's HelloWorld!"`},
		{"Format template from variable", "States.Format($tpl, $v.x)", `"Hi var"`},
		{"Format value with braces", "States.Format('{}', $.brace)", `"a{b"`},
		{"StringToJson object", "States.StringToJson($.json)", `{"Arg1":1,"Arg2":[]}`},
		{"StringToJson empty", "States.StringToJson($.empty)", `null`},
		{"StringToJson blank", "States.StringToJson($.blank)", `null`},
		{"StringToJson minus zero", "States.StringToJson('-0')", `0`},
		{"StringToJson float", "States.StringToJson('1.1')", `1.1`},
		{"StringToJson literal braces", `States.StringToJson('{"a": "false"}')`, `{"a":"false"}`},
		{"JsonToString object", "States.JsonToString($.obj)", `"{\"Arg1\":1,\"Arg2\":[]}"`},
		{"JsonToString string", "States.JsonToString($.s)", `"\"HelloWorld\""`},
		{"JsonToString null", "States.JsonToString($.nul)", `"null"`},
		{"JsonToString keeps key order", "States.JsonToString($.ord)", `"{\"b\":1,\"a\":{\"z\":1,\"y\":2}}"`},
		{"StringToJson keeps key order", `States.StringToJson('{"b": 1, "a": 2}')`, `{"b":1,"a":2}`},
		{"Format object keeps key order", "States.Format('{}', $.ord)", `"{b=1, a={z=1, y=2}}"`},
		{"Hash of JsonToString keeps key order", "States.Hash(States.JsonToString($.ord), 'MD5')", `"` + md5hex(`{"b":1,"a":{"z":1,"y":2}}`) + `"`},
		{"Array empty", "States.Array()", `[]`},
		{"Array mixed", "States.Array('a', 1, -2.5e3, true, false, null, $.obj)", `["a",1,-2.5e3,true,false,null,{"Arg1":1,"Arg2":[]}]`},
		{"ArrayPartition", "States.ArrayPartition($.arr, 4)", `[[1,2,3,4],[5,6,7,8],[9]]`},
		{"ArrayPartition large", "States.ArrayPartition(States.Array(0, 1), 5)", `[[0,1]]`},
		{"ArrayPartition empty", "States.ArrayPartition(States.Array(), 2)", `[]`},
		{"ArrayContains nested array", "States.ArrayContains($.nested, States.Array(1, 2, 3))", `true`},
		{"ArrayContains number forms", "States.ArrayContains($.arr, 3.0)", `true`},
		{"ArrayContains null", "States.ArrayContains($.nested, null)", `false`},
		{"ArrayContains object", "States.ArrayContains(States.Array($.obj), $.obj)", `true`},
		{"ArrayRange", "States.ArrayRange(1, 9, 2)", `[1,3,5,7,9]`},
		{"ArrayRange step past end", "States.ArrayRange(0, 10, 3)", `[0,3,6,9]`},
		{"ArrayRange single", "States.ArrayRange(1, 9, 9)", `[1]`},
		{"ArrayRange descending", "States.ArrayRange(5, 1, -2)", `[5,3,1]`},
		{"ArrayRange wrong direction", "States.ArrayRange(5, 1, 1)", `[]`},
		{"ArrayRange truncates", "States.ArrayRange(5.4, -0.6, -2.4)", `[5,3,1]`},
		{"ArrayRange 1000", "States.ArrayLength(States.ArrayRange(1, 1000, 1))", `1000`},
		{"ArrayGetItem", "States.ArrayGetItem($.arr, 5)", `6`},
		{"ArrayGetItem truncates", "States.ArrayGetItem($.arr, 1.2)", `2`},
		{"ArrayLength", "States.ArrayLength($.arr)", `9`},
		{"ArrayUnique", "States.ArrayUnique($.dups)", `[null,true,1,"x",[],{"a":1,"b":2}]`},
		{"ArrayUnique empty", "States.ArrayUnique(States.Array())", `[]`},
		{"Base64Encode", "States.Base64Encode('Data to encode')", `"RGF0YSB0byBlbmNvZGU="`},
		{"Base64Encode empty", "States.Base64Encode($.empty)", `""`},
		{"Base64Decode", "States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", `"Data to encode"`},
		{"Base64Decode empty", "States.Base64Decode('')", `""`},
		{"Hash MD5", "States.Hash('input data', 'MD5')", `"812f45842bc6d66ee14572ce20db8e86"`},
		{"Hash SHA-1", "States.Hash('input data', 'SHA-1')", `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"Hash SHA-256", "States.Hash('input data', 'SHA-256')", `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{"Hash SHA-384", "States.Hash('input data', 'SHA-384')", `"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"`},
		{"Hash SHA-512", "States.Hash('input data', 'SHA-512')", `"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"`},
		{"JsonMerge", "States.JsonMerge($.o1, $.o2, false)", `{"a":{"a3":1},"b":2,"c":3,"d":4}`},
		{"JsonMerge in a Java HashMap's order (test_json_merge)", "States.JsonMerge($.ord, $.o2, false)", `{"a":{"a3":1},"b":1,"c":3,"d":4}`},
		{"JsonMerge in a Java HashMap's order, not sorted (test_json_merge_escaped_argument)",
			`States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), States.StringToJson('{"constant_input_field": "x"}'), false)`,
			`{"constant_input_field":"x","constant_in_literal":"false"}`},
		{"JsonMerge nested StringToJson", `States.JsonMerge(States.StringToJson('{"x": 1}'), $.o2, false)`, `{"a":{"a3":1},"c":3,"d":4,"x":1}`},
		{"MathRandom", "States.MathRandom(1, 10)", `9`},
		{"MathRandom truncates", "States.MathRandom(12.5, 44.51)", `43`},
		{"MathAdd", "States.MathAdd(1, 2)", `3`},
		{"MathAdd negative", "States.MathAdd(-9, 3)", `-6`},
		{"MathAdd rounds half up", "States.MathAdd(1.49, 1.5)", `3`},
		{"MathAdd rounds negative half up", "States.MathAdd(-1.5, -1.51)", `-3`},
		{"MathAdd minus half", "States.MathAdd(-0.5, 0.5)", `1`},
		{"MathAdd -2.5", "States.MathAdd(-2.5, 0)", `-2`},
		{"MathAdd at limit", "States.MathAdd($.big, 0)", `2147483647`},
		{"StringSplit", "States.StringSplit($.csv, ',')", `["a","b","c"]`},
		{"StringSplit delimiter set", "States.StringSplit('This.is+a,test=string', '.+,=')", `["This","is","a","test","string"]`},
		{"StringSplit only delimiters", "States.StringSplit(',,,,', ',')", `[]`},
		{"StringSplit keeps spaces", "States.StringSplit(', , ,', ',')", `[" "," "]`},
		{"StringSplit newline", "States.StringSplit('Hello\nWorld', '\n')", `["Hello","World"]`},
		{"UUID", "States.UUID()", `"00000000-0000-4000-8000-000000000000"`},
		{"nested", "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))", `"machine"`},
		{"variable", "States.Format('{}', $v.x)", `"var"`},
		{"spaces", "  States.MathAdd( 1 ,2 )  ", `3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.call)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := c.EvalWith(resolve, fixedRandom{})
			if err != nil {
				t.Fatalf("EvalWith: %v", err)
			}
			if s := value.Encode(got); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	resolve := resolver(input, context, nil)
	tests := []struct{ name, call, want string }{
		{"Format count", "States.Format('{} {}', $.s)", "Invalid arguments in States.Format: number of arguments do not match the occurrences of {}"},
		{"Format too many", "States.Format('{}', $.s, $.s)", "Invalid arguments in States.Format: number of arguments do not match the occurrences of {}"},
		{"Format open brace", "States.Format('Hello {', $.s)", "Invalid arguments in States.Format: matching '}' not found for '{'"},
		{"Format doubled brace", "States.Format('Hello {{}}', $.s)", "Invalid arguments in States.Format: matching '}' not found for '{'"},
		{"Format close brace", "States.Format('}')", "Invalid arguments in States.Format: matching '{' not found for '}'"},
		{"Format template type", "States.Format($.n, $.s)", "Invalid arguments in States.Format"},
		{"StringToJson bad JSON", "States.StringToJson('{')", "Invalid arguments in States.StringToJson"},
		{"StringToJson trailing", "States.StringToJson('1 2')", "Invalid arguments in States.StringToJson"},
		{"StringToJson type", "States.StringToJson($.obj)", "Invalid arguments in States.StringToJson"},
		{"ArrayPartition zero", "States.ArrayPartition($.arr, 0.49)", "Invalid arguments in States.ArrayPartition"},
		{"ArrayPartition negative", "States.ArrayPartition($.arr, -1)", "Invalid arguments in States.ArrayPartition"},
		{"ArrayPartition type", "States.ArrayPartition($.s, 1)", "Invalid arguments in States.ArrayPartition"},
		{"ArrayContains type", "States.ArrayContains($.obj, 1)", "Invalid arguments in States.ArrayContains"},
		{"ArrayRange zero step", "States.ArrayRange(1, 10, 0.49)", "Invalid arguments in States.ArrayRange"},
		{"ArrayRange 1001", "States.ArrayRange(1, 1001, 1)", "Invalid arguments in States.ArrayRange"},
		{"ArrayRange 1001 down", "States.ArrayRange(1001, 1, -1)", "Invalid arguments in States.ArrayRange"},
		{"ArrayRange huge", "States.ArrayRange(-2147483648, 2147483647, 1)", "Invalid arguments in States.ArrayRange"},
		{"ArrayRange type", "States.ArrayRange('a', 5, 1)", "Invalid arguments in States.ArrayRange"},
		{"ArrayGetItem out of range", "States.ArrayGetItem($.arr, 9)", "Invalid arguments in States.ArrayGetItem"},
		{"ArrayGetItem negative", "States.ArrayGetItem($.arr, -1)", "Invalid arguments in States.ArrayGetItem"},
		{"ArrayGetItem string index", "States.ArrayGetItem($.arr, '1')", "Invalid arguments in States.ArrayGetItem"},
		{"ArrayGetItem not array", "States.ArrayGetItem('x', 0)", "Invalid arguments in States.ArrayGetItem"},
		{"ArrayLength type", "States.ArrayLength($.obj)", "Invalid arguments in States.ArrayLength"},
		{"ArrayUnique type", "States.ArrayUnique($.n)", "Invalid arguments in States.ArrayUnique"},
		{"Base64Encode long", "States.Base64Encode('" + strings.Repeat("a", 10001) + "')", "Invalid arguments in States.Base64Encode"},
		{"Base64Encode type", "States.Base64Encode($.n)", "Invalid arguments in States.Base64Encode"},
		{"Base64Decode bad", "States.Base64Decode('%%%')", "Invalid arguments in States.Base64Decode"},
		{"Hash algorithm", "States.Hash('x', 'SHA-999')", "Invalid arguments in States.Hash"},
		{"Hash long", "States.Hash('" + strings.Repeat("a", 10001) + "', 'MD5')", "Invalid arguments in States.Hash"},
		{"Hash type", "States.Hash($.obj, 'MD5')", "Invalid arguments in States.Hash"},
		{"JsonMerge deep", "States.JsonMerge($.o1, $.o2, true)", "Invalid arguments in States.JsonMerge"},
		{"JsonMerge type", "States.JsonMerge($.o1, $.arr, false)", "Invalid arguments in States.JsonMerge"},
		{"JsonMerge flag type", "States.JsonMerge($.o1, $.o2, 'false')", "Invalid arguments in States.JsonMerge"},
		{"MathRandom empty", "States.MathRandom(1.4, 1.6)", "Invalid arguments in States.MathRandom"},
		{"MathRandom reversed", "States.MathRandom(10, 1)", "Invalid arguments in States.MathRandom"},
		{"MathRandom seed type", "States.MathRandom(1, 10, 'x')", "Invalid arguments in States.MathRandom"},
		{"MathAdd type", "States.MathAdd(1, 'NOT A NUMBER')", "Invalid arguments in States.MathAdd"},
		{"MathAdd overflow", "States.MathAdd($.big, 1)", "Invalid arguments in States.MathAdd"},
		{"MathAdd operand range", "States.MathAdd(2147483648, -1)", "Invalid arguments in States.MathAdd"},
		{"StringSplit type", "States.StringSplit($.arr, ',')", "Invalid arguments in States.StringSplit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.call)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			_, err = c.EvalWith(resolve, fixedRandom{})
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, want an *Error", err)
			}
			want := "There was an error while evaluating the intrinsic function: " + c.String() + ". " + tt.want
			if ie.Message != want {
				t.Errorf("got  %q\nwant %q", ie.Message, want)
			}
		})
	}
}

func TestNestedErrorNamesTheWholeCall(t *testing.T) {
	c, err := Parse("States.Format('{}', States.ArrayGetItem($.arr, 99))")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.EvalWith(resolver(input, context, nil), fixedRandom{})
	want := "There was an error while evaluating the intrinsic function: States.Format('{}', States.ArrayGetItem($.arr, 99)). Invalid arguments in States.ArrayGetItem"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestResolverErrorsPassThrough(t *testing.T) {
	c, err := Parse("States.Array(States.Format('{}', $.missing))")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Eval(resolver(input, context, nil)); err != errNotFound {
		t.Errorf("got %v, want the resolver's error", err)
	}
}

func TestMathRandom(t *testing.T) {
	resolve := resolver(input, context, nil)
	eval := func(s string) string {
		t.Helper()
		c, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.Eval(resolve)
		if err != nil {
			t.Fatal(err)
		}
		return value.Encode(v)
	}
	for range 200 {
		n, _ := value.Int(json.Number(eval("States.MathRandom(-3, 3)")))
		if n < -3 || n >= 3 {
			t.Fatalf("MathRandom(-3, 3) = %d, out of [-3, 3)", n)
		}
	}
	first := eval("States.MathRandom(0, 999, 3)")
	for range 20 {
		if got := eval("States.MathRandom(0, 999, 3)"); got != first {
			t.Fatalf("seeded MathRandom changed: %s then %s", first, got)
		}
	}
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUID(t *testing.T) {
	c, _ := Parse("States.UUID()")
	a, _ := c.Eval(nil)
	b, _ := c.Eval(nil)
	if !uuidPattern.MatchString(a.(string)) || a == b {
		t.Errorf("UUIDs %v and %v: want two distinct version 4 UUIDs", a, b)
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{
		"",
		"States.",
		"States.Nope()",
		"States.Format",
		"States.Format(",
		"States.Format('a'",
		"States.Format('a)",
		"States.Format('a' 'b')",
		"States.Format('a',)",
		"States.Format(,'a')",
		`States.Format('\n')`,
		`States.Format('\"')`,
		`States.Format('abc\`,
		"States.Format()",
		"States.UUID(1)",
		"States.ArrayRange(1, 5)",
		"States.ArrayRange(1, 5, 1, 99)",
		"States.ArrayGetItem($.arr, )",
		"States.MathRandom(1)",
		"States.MathRandom(1, 2, 3, 4)",
		"States.JsonMerge($.a, $.b)",
		"States.MathAdd(1, 2) x",
		"States.MathAdd(1, 2))",
		"States.MathAdd(01, 2)",
		"States.MathAdd(1.2.3, 2)",
		"States.MathAdd(-, 2)",
		"States.Array(True)",
		"States.Array(nulls)",
		"States.Array(foo)",
		"States.Array($.a[0)",
		"States.Array($.a['x)",
		"states.Array()",
		"States.Array" + strings.Repeat("(States.Array", 11) + strings.Repeat(")", 12),
	} {
		if c, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", s, c)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, str string
		paths   []string
	}{
		{"States.UUID()", "States.UUID()", nil},
		{" States.Array ( 1,'a' ,true,null ) ", "States.Array(1, 'a', true, null)", nil},
		{`States.Format('\'{}\' \{\} \\', $.a)`, `States.Format('\'{}\' \{\} \\', $.a)`, []string{"$.a"}},
		{"States.Array($, $$.Execution.Input, $var, $var.x.y, $.a['b c'], $.a[0], $..x, $.a[?(@.b == 'x,y')])",
			"States.Array($, $$.Execution.Input, $var, $var.x.y, $.a['b c'], $.a[0], $..x, $.a[?(@.b == 'x,y')])",
			[]string{"$", "$$.Execution.Input", "$var", "$var.x.y", "$.a['b c']", "$.a[0]", "$..x", "$.a[?(@.b == 'x,y')]"}},
		{"States.JsonMerge(States.StringToJson($.a), States.Array($.b)[0], false)", "", nil},
		{"States.MathAdd(States.ArrayLength(States.Array($.x, $$.y)), -1.5e2)",
			"States.MathAdd(States.ArrayLength(States.Array($.x, $$.y)), -1.5e2)", []string{"$.x", "$$.y"}},
	}
	for _, tt := range tests {
		c, err := Parse(tt.in)
		if tt.str == "" {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want an error", tt.in, c)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := c.String(); got != tt.str {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.str)
		}
		if got := c.Paths(); strings.Join(got, "|") != strings.Join(tt.paths, "|") {
			t.Errorf("Parse(%q).Paths() = %q, want %q", tt.in, got, tt.paths)
		}
	}
}

func TestIsCall(t *testing.T) {
	for s, want := range map[string]bool{
		"States.UUID()":         true,
		"  States.Format('x') ": true,
		"States.Nope(":          false,
		"$.States.x()":          false,
		"States.":               false,
		"":                      false,
	} {
		if got := IsCall(s); got != want {
			t.Errorf("IsCall(%q) = %v, want %v", s, got, want)
		}
	}
}

func BenchmarkEvalFormat(b *testing.B) {
	c, err := Parse("States.Format('Hello, {}! You are {} and live in {}.', $.name, $.age, $.address)")
	if err != nil {
		b.Fatal(err)
	}
	resolve := resolver(`{"name": "Ada", "age": 36, "address": {"city": "London", "street": "St James's Square"}}`, "{}", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.EvalWith(resolve, fixedRandom{}); err != nil {
			b.Fatal(err)
		}
	}
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}
