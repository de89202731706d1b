package oms

import "errors"

// ErrIllegalTransition is returned (wrapped, naming both states) when an
// order is asked to move to a state its transition table does not allow.
var ErrIllegalTransition = errors.New("illegal transition")

// ErrUnknownState is returned when a state name is not one of the lifecycle states.
var ErrUnknownState = errors.New("unknown order state")

// ErrUnknownEventType is returned when an event's type is not one this
// version of Packline knows; the caller decides whether to park or reject it.
var ErrUnknownEventType = errors.New("unknown event type")

// ErrInvalid is wrapped by every validation error, so callers can tell bad
// input (reject, report) from failures of their own (retry).
var ErrInvalid = errors.New("invalid")
