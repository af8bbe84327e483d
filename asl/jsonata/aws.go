package jsonata

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// The functions Step Functions adds to JSONata, independent of the evaluator. Integer
// parameters are floored, as AWS documents.

func (env Env) now() time.Time {
	if env.Now != nil {
		return env.Now()
	}
	return time.Now()
}

func (env Env) random() float64 {
	if env.Random != nil {
		return env.Random()
	}
	return rand.Float64()
}

func (env Env) uuid() string {
	if env.UUID != nil {
		return env.UUID()
	}
	return uuid.NewString()
}

// seededRandom is $random(seed): the same seed gives the same number.
func seededRandom(seed float64) float64 {
	r := rand.New(rand.NewPCG(math.Float64bits(seed), 0x9e3779b97f4a7c15))
	return r.Float64()
}

// partition splits arr into chunks of size elements.
func partition(arr []any, size float64) ([]any, error) {
	n := int(math.Floor(size))
	if n <= 0 || math.IsNaN(size) || math.IsInf(size, 0) {
		return nil, &Error{Code: "D3001", Message: "Invalid argument: The value of the argument 'size' must be a positive integer"}
	}
	out := make([]any, 0, (len(arr)+n-1)/n)
	for i := 0; i < len(arr); i += n {
		end := min(i+n, len(arr))
		out = append(out, append([]any(nil), arr[i:end]...))
	}
	return out, nil
}

// maxRange bounds the arrays $range builds.
const maxRange = 10_000_000

// rangeOf is $range(start, end, step): start, start+step, ... up to and including end. It
// counts the elements before it builds them, so that a range past maxRange, or past what the
// caller's alloc allows, fails at once rather than after building up to maxRange of them.
func rangeOf(start, end, step float64, alloc func(n int) error) ([]any, error) {
	start, end, step = math.Floor(start), math.Floor(end), math.Floor(step)
	if step == 0 || math.IsNaN(start+end+step) || math.IsInf(start+end+step, 0) {
		return nil, &Error{Code: "D3001", Message: "Invalid argument: The value of the argument 'step' must be a non-zero integer"}
	}
	count := 0.0
	if (step > 0 && start <= end) || (step < 0 && start >= end) {
		count = math.Floor((end-start)/step) + 1
	}
	if count > maxRange {
		return nil, &Error{Code: "D2014", Message: "The size of the sequence allocated by the range operator must not exceed 1e7."}
	}
	if err := alloc(int(count)); err != nil {
		return nil, err
	}
	out := make([]any, int(count))
	for i := range out {
		out[i] = start + float64(i)*step
	}
	return out, nil
}

// hashOf is $hash(str, algorithm).
func hashOf(s, algo string) (string, error) {
	var h hash.Hash
	switch algo {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return "", &Error{Code: "D3001", Message: "Invalid argument: The value of the argument 'hashAlgorithm' must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"}
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}
