// Package javamap gives the order in which Java's HashMap lists string keys: AWS Step
// Functions writes some objects in that order (the ".$" fields of a JSONPath payload
// template, States.JsonMerge's result); docs/conformance.md, "Key order", gives the
// recordings.
package javamap

import (
	"sort"
	"unicode/utf16"
)

// Order returns the order in which a java.util.HashMap<String, ?> filled with keys, in that
// order, iterates them (as indexes into keys).
//
// The map starts with 16 buckets and doubles when it holds more than three quarters of its
// bucket count, or when a key lands in a bucket that already holds 8 keys while it has fewer
// than 64 buckets (where Java would make the bucket a tree). A key's bucket is the low bits
// of its String.hashCode mixed with its high 16 bits; a bucket lists its keys in the order
// they were put (a resize keeps that order). A repeated key keeps its first place.
func Order(keys []string) []int {
	hashes := make([]uint32, len(keys))
	for i, k := range keys {
		var h uint32
		for _, u := range utf16.Encode([]rune(k)) {
			h = 31*h + uint32(u)
		}
		hashes[i] = h ^ (h >> 16)
	}
	seen := map[string]bool{}
	var order []int
	buckets := uint32(16)
	for i, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if buckets < 64 {
			in := 0
			for _, j := range order {
				if hashes[j]&(buckets-1) == hashes[i]&(buckets-1) {
					in++
				}
			}
			if in >= 8 {
				buckets *= 2
			}
		}
		order = append(order, i)
		if len(order) > int(buckets/4*3) {
			buckets *= 2
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		return hashes[order[a]]&(buckets-1) < hashes[order[b]]&(buckets-1)
	})
	return order
}
