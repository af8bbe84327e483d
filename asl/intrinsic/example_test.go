package intrinsic_test

import (
	"fmt"

	"github.com/stepwise-run/stepwise/asl/intrinsic"
)

func Example() {
	call, err := intrinsic.Parse("States.Format('Hello, {}! You have {} items.', $.name, States.ArrayLength($.items))")
	if err != nil {
		panic(err)
	}
	fmt.Println(call.Paths())

	input := map[string]any{"name": "Ada", "items": []any{"a", "b"}}
	resolve := func(path string) (any, error) {
		// A real resolver evaluates any JSONPath; this one knows two.
		return input[path[2:]], nil
	}
	v, err := call.Eval(resolve)
	fmt.Println(v, err)
	// Output:
	// [$.name $.items]
	// Hello, Ada! You have 2 items. <nil>
}

func ExampleError() {
	call, _ := intrinsic.Parse("States.ArrayGetItem(States.Array(1, 2), 5)")
	_, err := call.Eval(nil)
	fmt.Println(err)
	// Output:
	// There was an error while evaluating the intrinsic function: States.ArrayGetItem(States.Array(1, 2), 5). Invalid arguments in States.ArrayGetItem
}
