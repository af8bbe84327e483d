// Package cputime reads the process's CPU time. Benchmarks and timing tests on a shared
// machine measure with it: the wall clock moves with the machine's other jobs, a process's
// CPU time much less.
package cputime

import (
	"syscall"
	"time"
)

// Self is the CPU time this process has used so far, user and system (0 if it cannot be
// read).
func Self() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
