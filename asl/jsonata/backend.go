package jsonata

// compileBackend compiles with the evaluator in use.
func compileBackend(expr string) (backend, error) { return compileBlues(expr) }

// backendGuardsRecursion reports whether the evaluator bounds recursion depth; the library
// overflows the goroutine stack (a fatal error) on unbounded recursion.
const backendGuardsRecursion = false

var _ = compileOwn // the package's own evaluator, measured against the library (see docs/jsonata-measurements.md)
