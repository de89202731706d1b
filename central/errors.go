package central

import "errors"

// ErrNotFound is returned when an order, SKU, site or return does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnknownSKU is returned when an order line or stock move names a SKU
// that is not in the catalog.
var ErrUnknownSKU = errors.New("unknown sku")

// ErrConflict is returned when a request is valid but not now: cancelling
// a shipped order, changing the address of a released one.
var ErrConflict = errors.New("conflict")

// ErrInsufficientStock is returned when an adjustment would take a bin
// below what is on hand or below what is already allocated from it.
var ErrInsufficientStock = errors.New("insufficient stock")
