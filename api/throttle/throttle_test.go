package throttle

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestTokenBucket(t *testing.T) {
	clock := time.Unix(0, 0)
	l := New(Policy{Buckets: map[string]Bucket{"StartExecution": {Size: 3, Refill: 2}}}, func() time.Time { return clock })
	admit := func() bool {
		release, why := l.Acquire("StartExecution")
		if why == OK {
			release()
		}
		return why == OK
	}
	for i := range 3 {
		if !admit() {
			t.Fatalf("call %d of the burst was refused", i+1)
		}
	}
	if admit() {
		t.Fatal("a fourth call within the burst was admitted")
	}
	if _, why := l.Acquire("StartExecution"); why != RateExceeded {
		t.Errorf("refused for %v, want RateExceeded", why)
	}
	clock = clock.Add(500 * time.Millisecond) // one token back
	if !admit() || admit() {
		t.Error("half a second at 2/s gives exactly one call")
	}
	clock = clock.Add(time.Hour) // refilled, but never above the bucket's size
	n := 0
	for admit() {
		n++
	}
	if n != 3 {
		t.Errorf("after a long pause %d calls were admitted, want the bucket's 3", n)
	}
	// An action without a bucket is not limited.
	for range 100 {
		if _, why := l.Acquire("ListExecutions"); why != OK {
			t.Fatal("an action without a bucket was refused")
		}
	}
}

func TestMaxInFlight(t *testing.T) {
	l := New(Policy{MaxInFlight: 2, Exempt: map[string]bool{"GetActivityTask": true}}, nil)
	r1, w1 := l.Acquire("DescribeExecution")
	r2, w2 := l.Acquire("StartExecution")
	if w1 != OK || w2 != OK {
		t.Fatal("the first two calls were refused")
	}
	if _, why := l.Acquire("StartExecution"); why != Overloaded {
		t.Errorf("a third call in flight: %v, want Overloaded", why)
	}
	if _, why := l.Acquire("GetActivityTask"); why != OK {
		t.Errorf("a long poll counted against the bound: %v", why)
	}
	r1()
	r3, why := l.Acquire("StartExecution")
	if why != OK {
		t.Errorf("after a release: %v", why)
	}
	r2()
	r3()
}

func TestConcurrentAcquire(t *testing.T) {
	l := New(Policy{Buckets: map[string]Bucket{"A": {Size: 1000, Refill: 0.001}}}, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted := 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if release, why := l.Acquire("A"); why == OK {
					mu.Lock()
					admitted++
					mu.Unlock()
					release()
				}
			}
		}()
	}
	wg.Wait()
	if admitted != 1000 {
		t.Errorf("%d calls admitted from a bucket of 1,000", admitted)
	}
}

func TestAWSQuotasAndFile(t *testing.T) {
	if q := AWSQuotas("us-east-1")["StartExecution"]; q != (Bucket{1300, 300}) {
		t.Errorf("us-east-1 StartExecution %+v", q)
	}
	if q := AWSQuotas("ap-south-1")["StopExecution"]; q != (Bucket{500, 25}) {
		t.Errorf("ap-south-1 StopExecution %+v", q)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "q.json")
	os.WriteFile(good, []byte(`{"StartExecution":{"Bucket":10,"Refill":5}}`), 0o644)
	b, err := LoadBuckets(good)
	if err != nil || b["StartExecution"] != (Bucket{10, 5}) {
		t.Errorf("LoadBuckets: %+v %v", b, err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"StartExecution":{"Bucket":0,"Refill":5}}`), 0o644)
	if _, err := LoadBuckets(bad); err == nil {
		t.Error("an empty bucket was accepted")
	}
}

func TestKeyed(t *testing.T) {
	clock := time.Unix(0, 0)
	k := NewKeyed(Bucket{Size: 2, Refill: 0.5}, func() time.Time { return clock })
	if !k.Allow("a") || !k.Allow("a") || k.Allow("a") {
		t.Fatal("a's bucket of 2")
	}
	if !k.Allow("b") {
		t.Error("b was limited by a's calls")
	}
	clock = clock.Add(2 * time.Second)
	if !k.Allow("a") || k.Allow("a") {
		t.Error("two seconds at 0.5/s give a one call")
	}
	for i := range maxKeys + 10 {
		k.Allow(fmt.Sprint("key", i))
	}
	if len(k.keys) > maxKeys+1 {
		t.Errorf("%d keys kept", len(k.keys))
	}
}

// TestOverloadedTakesNoToken: a call refused because too many are in flight does not use up
// its action's token, and one refused by its bucket gives its place in flight back.
func TestOverloadedTakesNoToken(t *testing.T) {
	l := New(Policy{MaxInFlight: 1, Buckets: map[string]Bucket{"A": {Size: 1, Refill: 0.001}, "B": {Size: 1, Refill: 0.001}}}, nil)
	release, why := l.Acquire("B")
	if why != OK {
		t.Fatal(why)
	}
	if _, why := l.Acquire("A"); why != Overloaded {
		t.Fatalf("with one in flight: %v", why)
	}
	release()
	r, why := l.Acquire("A")
	if why != OK {
		t.Fatalf("A's token was used up by the refused call: %v", why)
	}
	r()
	if _, why := l.Acquire("B"); why != RateExceeded {
		t.Fatalf("B again: %v", why)
	}
	if r, why := l.Acquire("A2"); why != OK {
		t.Errorf("the place of a call refused by its bucket was not given back: %v", why)
	} else {
		r()
	}
}
