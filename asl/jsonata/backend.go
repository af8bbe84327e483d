package jsonata

// compileBackend compiles with the evaluator in use.
func compileBackend(expr string) (backend, error) { return compileOwn(expr) }

// backendGuardsRecursion reports whether the evaluator bounds recursion depth (ours does,
// U1001); the library overflows the goroutine stack (a fatal error) on unbounded recursion.
const backendGuardsRecursion = true
