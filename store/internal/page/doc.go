// Package page makes and reads the opaque page tokens of the stores' listings, and applies
// the default and maximum page size.
//
// A token is a keyset cursor (the sort key of the last row returned) tagged with the kind of
// listing it belongs to, so that pages stay stable while rows are added and a token of one
// listing is refused by another.
package page
