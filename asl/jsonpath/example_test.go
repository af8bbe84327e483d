package jsonpath_test

import (
	"fmt"

	"github.com/stepwise-run/stepwise/asl/jsonpath"
	"github.com/stepwise-run/stepwise/asl/value"
)

func Example() {
	doc, _ := value.DecodeString(`{"orders": [{"id": 1, "total": 30}, {"id": 2, "total": 5}]}`)

	big, _ := jsonpath.Compile("$.orders[?(@.total > 10)].id")
	ids, _ := big.Query(doc)
	fmt.Println(value.Encode(ids))

	missing, _ := jsonpath.Compile("$.customer.name")
	_, err := missing.Query(doc)
	fmt.Println(err)

	result, _ := jsonpath.CompileReference("$.summary.count")
	out, _ := result.Set(doc, 2)
	summary, _ := value.Get(out, "summary")
	fmt.Println(value.Encode(summary))
	// Output:
	// [1]
	// Missing property in path $['customer']
	// {"count":2}
}
