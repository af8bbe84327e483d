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
		hashes[i] = hash(k)
	}
	order := make([]int, 0, len(keys))
	var seen map[string]bool // for many keys; a few are compared one by one
	if len(keys) > 32 {
		seen = make(map[string]bool, len(keys))
	}
	buckets := uint32(16)
	for i, k := range keys {
		if seen != nil {
			if seen[k] {
				continue
			}
			seen[k] = true
		} else if repeated(keys, order, k) {
			continue
		}
		// A ninth key in one bucket of fewer than 64 doubles the map; only possible once
		// eight keys are in.
		if buckets < 64 && len(order) >= 8 {
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
	mask := buckets - 1
	sort.SliceStable(order, func(a, b int) bool { return hashes[order[a]]&mask < hashes[order[b]]&mask })
	return order
}

// hash is String.hashCode, over UTF-16 code units, mixed as HashMap.hash mixes it.
func hash(k string) uint32 {
	var h uint32
	for _, r := range k {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			h = 31*h + uint32(r1)
			h = 31*h + uint32(r2)
			continue
		}
		h = 31*h + uint32(r)
	}
	return h ^ (h >> 16)
}

// repeated says whether k is among the keys order already holds.
func repeated(keys []string, order []int, k string) bool {
	for _, j := range order {
		if keys[j] == k {
			return true
		}
	}
	return false
}
