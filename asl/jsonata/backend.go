package jsonata

// compileBackend compiles with the evaluator in use.
func compileBackend(expr string) (backend, error) { return compileBlues(expr) }

// backendGuardsRecursion reports whether the evaluator bounds recursion depth; the library
// overflows the goroutine stack (a fatal error) on unbounded recursion.
const backendGuardsRecursion = false
