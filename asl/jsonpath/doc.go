// Package jsonpath compiles and evaluates the JSONPath dialect of the Amazon States
// Language: the paths of InputPath, OutputPath, ItemsPath, Choice rules and ".$" fields
// (Compile), and the reference paths of ResultPath and friends (CompileReference).
//
// AWS evaluates these paths with Jayway JsonPath (Java), and its runtime failures quote
// Jayway's exception texts verbatim, for example
//
//	Invalid path '$.a' : No results for path: $['a']
//	Invalid path '$.a.b' : Missing property in path $['a']
//
// No Go JSONPath library speaks Jayway's dialect or reproduces those messages, so this
// package is written by hand, small and without dependencies. It follows Jayway's rules
// where they show:
//
//   - A definite path (only single member and index steps, and a member list as the last
//     step) returns one node; when that node is missing Query returns a *NotFoundError whose
//     Message is Jayway's. Other paths return a []any of matches, possibly empty.
//   - Steps before the first indefinite one must succeed even in an indefinite path, so
//     "$.missing[*]" fails with "Missing property in path $['missing']".
//   - A trailing member list, $['a','b'], selects one new object holding the members found.
//   - A filter, [?(...)], keeps the elements of an array that pass, or an object itself if
//     it passes. It supports ==, !=, <, <=, >, >=, =~ /regex/flags (whole-string match),
//     in and nin with a literal list, &&, ||, ! and parentheses; a lone operand tests that a
//     path exists. Numbers compare numerically, strings lexically; other pairs never order.
//   - length() may end a path, and a path inside a filter (@.items.length()). Another
//     function may end a path too, as AWS accepts it, but fails when evaluated: "Function
//     with name: sum does not exist."
//
// Where Jayway depends on Java, this package chooses: object members are visited in sorted
// key order (Go maps keep none; Jayway keeps insertion order); regular expressions use Go's
// RE2 syntax; numbers beyond 64-bit integers compare as float64; and messages that name a
// Java class assume Jackson's JsonProvider.
//
// Compile once, when a definition is loaded; a *Path is immutable and safe for concurrent
// use. Query and Set never modify the document they are given: values follow the
// conventions of package value (nil, bool, json.Number, string, []any, *value.Object; a
// map[string]any is read as an object too).
// A path of existing members and indexes is looked up without allocating; Set copies only
// the objects and arrays on its path.
//
// Filters nested through deep scans ($..[?(@..[?(...)])]) cost the document's size to the
// power of their depth; AWS's payload limit keeps that bounded in practice.
//
// Benchmarks (go test -bench . ./asl/jsonpath/, AMD EPYC, 2 CPUs, a 1 KB document):
//
//	$.store.bicycle.color                   63 ns/op      0 B/op    0 allocs/op
//	$.store.book[*].author                 410 ns/op    136 B/op    4 allocs/op
//	$..price                              7.4 µs/op   1864 B/op   53 allocs/op
//	$.store.book[?(@.price < 10)].title   1.8 µs/op    296 B/op   11 allocs/op
//	Set $.store.bicycle.result            1.7 µs/op   1008 B/op    6 allocs/op
package jsonpath
