// Package intrinsic implements the intrinsic functions of the Amazon States Language in
// JSONPath mode: the "States.Name(arg, ...)" calls that a ".$" field of a payload template
// (Parameters, ResultSelector, ItemSelector, Assign, a Fail state's ErrorPath and CausePath)
// may hold instead of a path.
//
// A call is parsed once, when the state machine is loaded, and evaluated on every
// transition:
//
//	call, err := intrinsic.Parse("States.Format('Hello, {}!', $.name)")
//	...
//	v, err := call.EvalWith(resolve, rnd) // "Hello, Ada!"
//
// Arguments are string literals in single quotes (\' \{ \} and \\ are the only escapes),
// JSON numbers, true, false, null, paths ($.x, $$.x for the context object, $var.x for a
// workflow variable) and nested calls. Parse rejects unknown functions, a wrong number of
// arguments and illegal escapes; Paths lists the path arguments so that the validator can
// check them. The package does not evaluate paths itself: a Resolver does, and its errors
// come back from Eval unchanged, so the engine can word them as AWS does.
//
// Values are those of package value: nil, bool, json.Number, string, []any and
// *value.Object (a map[string]any is read as an object). Numbers produced are json.Number
// integers.
//
// Arguments of the wrong type or out of range fail with *Error, which AWS reports as
// States.Runtime: "There was an error while evaluating the intrinsic function: <call>.
// Invalid arguments in States.X". Behaviour observed on AWS and kept here:
//
//   - States.Format renders strings raw, numbers as written, null as "null", arrays as
//     [a, b] and objects as {key=value, ...} (keys sorted here; AWS keeps input order).
//   - States.MathAdd rounds half up (Java's Math.round) and stays within 32-bit integers;
//     ArrayRange, ArrayGetItem, ArrayPartition and MathRandom truncate fractions instead.
//   - States.ArrayRange includes its last item, accepts a negative step, rejects a zero
//     step and more than 1000 items.
//   - States.StringToJson returns null for an empty or blank string.
//   - States.MathRandom returns a number in [start, end). With a seed the result depends
//     only on the seed and the bounds; AWS specifies nothing more, so the generator is ours.
//   - States.JsonMerge is shallow only; deep=true is an error, as in AWS.
//
// Eval draws random numbers from crypto/rand and math/rand; EvalWith takes a Random so the
// engine can replay an execution with the same UUIDs and numbers.
package intrinsic
