// Package budget meters one expression evaluation (JSONata, JSONPath or an intrinsic
// function) so that a hostile or careless expression fails fast instead of taking a core or
// the memory of the server.
//
// A Meter counts two things, both as pure functions of the expression and its input:
//
//   - steps: units of work (a node evaluated, an element visited, a comparison made);
//   - memory: the approximate bytes of the intermediate values the evaluation has built,
//     added up over the whole evaluation (an element of an array counts 16 bytes, an object
//     member 32, a string its length).
//
// Neither reads a clock or the process's memory, so the same definition and input always
// fail, or succeed, at the same point: an execution replays the same way on every node and
// after every restart. The step count stands for time (each step does a bounded amount of
// work, because the memory bound caps the size of what one step can touch); the memory
// count is cumulative, never the live size, which would depend on the garbage collector.
package budget
