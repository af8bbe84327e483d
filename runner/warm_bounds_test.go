package runner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/store"
)

// TestWarmBounds: the states kept warm stay within maxWarm of them and maxWarmBytes of their
// stored size, the newest always kept (unless it alone is past the bytes), and the count of
// bytes follows what is kept and taken.
func TestWarmBounds(t *testing.T) {
	n := &Node{warm: map[string]warmState{}}
	keep := func(arn string, size int) {
		n.keepWarm(arn, &live{ex: &engine.Execution{}, row: store.Execution{State: strings.Repeat("x", size), Version: 1}})
	}
	check := func(when string) {
		t.Helper()
		sum := 0
		for _, w := range n.warm {
			sum += w.size
		}
		if sum != n.warmBytes || len(n.warm) > maxWarm || n.warmBytes > maxWarmBytes {
			t.Fatalf("%s: %d kept, %d bytes counted, %d held", when, len(n.warm), n.warmBytes, sum)
		}
	}
	for i := range 3 * maxWarm {
		keep(fmt.Sprint("small", i), 100)
		check("small ones")
	}
	if len(n.warm) != maxWarm {
		t.Errorf("%d small states kept, want %d", len(n.warm), maxWarm)
	}
	for i := range 5 {
		keep(fmt.Sprint("large", i), maxWarmBytes/3)
		check("large ones")
		if _, ok := n.warm[fmt.Sprint("large", i)]; !ok {
			t.Fatalf("the newest large state was not kept")
		}
	}
	keep("huge", maxWarmBytes+1)
	check("one past the bound")
	if _, ok := n.warm["huge"]; ok {
		t.Error("a state larger than the bound was kept")
	}
	keep("large4", 10) // kept again, smaller: counted once
	check("kept again")
	for arn := range n.warm {
		if _, ok := n.takeWarm(arn); !ok {
			t.Fatal("takeWarm missed a kept state")
		}
	}
	if len(n.warm) != 0 || n.warmBytes != 0 {
		t.Errorf("after taking them all: %d kept, %d bytes", len(n.warm), n.warmBytes)
	}
}
