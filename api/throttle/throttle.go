// Package throttle sheds load as AWS does: each API action has a token bucket (a burst of
// Size calls, refilled at Refill calls a second), and the server bounds the requests it
// works on at once. A call past either bound is answered at once with ThrottlingException,
// which the AWS SDKs and CLI retry with backoff; it never waits in a queue that grows until
// requests time out or memory runs out.
package throttle

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// Bucket is a token bucket: Size tokens at most, Refill tokens added a second.
type Bucket struct {
	Size   float64 `json:"Bucket"`
	Refill float64 `json:"Refill"`
}

// Policy says how much load to take.
type Policy struct {
	// MaxInFlight bounds the requests being worked on at once (0: no bound). Long polls
	// (Exempt) do not count.
	MaxInFlight int
	// Buckets are the per-action token buckets; an action without one is not rate limited.
	Buckets map[string]Bucket
	// Exempt actions do not count against MaxInFlight: they wait rather than work
	// (GetActivityTask's 60-second long poll).
	Exempt map[string]bool
}

// Limiter applies a Policy. It is safe for concurrent use.
type Limiter struct {
	policy   Policy
	now      func() time.Time
	inFlight chan struct{}

	mu      sync.Mutex
	buckets map[string]*state
}

type state struct {
	tokens float64
	at     time.Time
}

// New returns a Limiter for p; now is the clock (time.Now when nil).
func New(p Policy, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{policy: p, now: now, buckets: map[string]*state{}}
	if p.MaxInFlight > 0 {
		l.inFlight = make(chan struct{}, p.MaxInFlight)
	}
	return l
}

// Reason says which bound a refused call met.
type Reason int

const (
	OK Reason = iota
	// RateExceeded: the action's token bucket is empty.
	RateExceeded
	// Overloaded: MaxInFlight requests are being worked on.
	Overloaded
)

// Acquire admits a call of action, or says why not. An admitted call must call release when
// its answer is written.
func (l *Limiter) Acquire(action string) (release func(), why Reason) {
	if l == nil {
		return func() {}, OK
	}
	release = func() {}
	if l.inFlight != nil && !l.policy.Exempt[action] {
		select {
		case l.inFlight <- struct{}{}:
			release = func() { <-l.inFlight }
		default:
			return nil, Overloaded // refused before it takes a token: it did not count
		}
	}
	if b, ok := l.policy.Buckets[action]; ok && !l.take(action, b) {
		release()
		return nil, RateExceeded
	}
	return release, OK
}

// take removes a token from an action's bucket, if it has one.
func (l *Limiter) take(action string, b Bucket) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.buckets[action]
	if s == nil {
		s = &state{tokens: b.Size, at: now}
		l.buckets[action] = s
	}
	if d := now.Sub(s.at); d > 0 {
		s.tokens = min(b.Size, s.tokens+d.Seconds()*b.Refill)
		s.at = now
	}
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

// bigRegions are the regions AWS gives its larger quotas.
var bigRegions = map[string]bool{"us-east-1": true, "us-west-2": true, "eu-west-1": true}

// AWSQuotas are Step Functions' default API quotas in a region (the service quotas page:
// bucket size / refill rate per second), as token buckets by action.
func AWSQuotas(region string) map[string]Bucket {
	big := bigRegions[region]
	pick := func(bigB, bigR, b, r float64) Bucket {
		if big {
			return Bucket{bigB, bigR}
		}
		return Bucket{b, r}
	}
	q := map[string]Bucket{
		"StartExecution":                   pick(1300, 300, 800, 150),
		"StartSyncExecution":               pick(6000, 6000, 6000, 6000),
		"RedriveExecution":                 pick(1300, 300, 800, 150),
		"DescribeExecution":                pick(300, 15, 250, 10),
		"GetActivityTask":                  pick(3000, 500, 1500, 300),
		"SendTaskFailure":                  pick(3000, 500, 1500, 300),
		"SendTaskHeartbeat":                pick(3000, 500, 1500, 300),
		"SendTaskSuccess":                  pick(3000, 500, 1500, 300),
		"StopExecution":                    pick(1000, 200, 500, 25),
		"ListActivities":                   pick(100, 10, 100, 5),
		"ListExecutions":                   pick(200, 5, 100, 2),
		"ListStateMachines":                {100, 5},
		"GetExecutionHistory":              {400, 20},
		"DescribeActivity":                 {200, 1},
		"DescribeMapRun":                   {200, 1},
		"DescribeStateMachine":             {200, 20},
		"DescribeStateMachineAlias":        {200, 1},
		"DescribeStateMachineForExecution": {200, 1},
		"TagResource":                      {200, 1},
		"UntagResource":                    {200, 1},
		"TestState":                        {1, 1},
	}
	for _, a := range []string{"CreateActivity", "CreateStateMachine", "CreateStateMachineAlias", "DeleteActivity",
		"DeleteStateMachine", "DeleteStateMachineAlias", "DeleteStateMachineVersion", "UpdateStateMachine",
		"UpdateStateMachineAlias", "UpdateMapRun", "PublishStateMachineVersion", "ListMapRuns",
		"ListStateMachineAliases", "ListStateMachineVersions", "ListTagsForResource", "ValidateStateMachineDefinition"} {
		q[a] = Bucket{100, 1}
	}
	return q
}

// LoadBuckets reads token buckets from a JSON file: {"StartExecution": {"Bucket": 1300,
// "Refill": 300}, ...}.
func LoadBuckets(path string) (map[string]Bucket, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b map[string]Bucket
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for a, x := range b {
		if x.Size < 1 || x.Refill <= 0 {
			return nil, fmt.Errorf("%s: %s: a bucket holds at least 1 token and refills at more than 0 a second", path, a)
		}
	}
	return b, nil
}

// Keyed gives each key (a client's address) a bucket of its own, for calls that must stay
// rare per caller whatever the callers' number: sign-in attempts.
type Keyed struct {
	bucket Bucket
	now    func() time.Time
	mu     sync.Mutex
	keys   map[string]*state
}

// maxKeys bounds Keyed's memory (see forgetFull).
const maxKeys = 10000

// NewKeyed returns a Keyed of buckets b; now is the clock (time.Now when nil).
func NewKeyed(b Bucket, now func() time.Time) *Keyed {
	if now == nil {
		now = time.Now
	}
	return &Keyed{bucket: b, now: now, keys: map[string]*state{}}
}

// Allow takes a token from key's bucket, and says whether there was one.
func (k *Keyed) Allow(key string) bool {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.keys[key]
	if s == nil {
		if len(k.keys) >= maxKeys {
			k.forgetFull(now)
		}
		s = &state{tokens: k.bucket.Size, at: now}
		k.keys[key] = s
	}
	if d := now.Sub(s.at); d > 0 {
		s.tokens = min(k.bucket.Size, s.tokens+d.Seconds()*k.bucket.Refill)
		s.at = now
	}
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

// forgetFull forgets the keys whose buckets are full again and, if that is not enough (more
// callers than maxKeys within a refill), a tenth of the others, at random.
func (k *Keyed) forgetFull(now time.Time) {
	for key, s := range k.keys {
		if s.tokens+now.Sub(s.at).Seconds()*k.bucket.Refill >= k.bucket.Size {
			delete(k.keys, key)
		}
	}
	for key := range k.keys {
		if len(k.keys) < maxKeys*9/10 {
			break
		}
		delete(k.keys, key)
	}
}
