package oms

import (
	"fmt"
	"slices"
)

// State is where an order is in its lifecycle.
type State string

// The lifecycle states. The forward path is received -> allocated ->
// released -> picking -> picked -> packing -> packed -> shipped -> delivered;
// the return path is rma_authorized -> return_received -> inspected ->
// restocked / refunded / exchanged.
const (
	StateReceived         State = "received"
	StateAllocated        State = "allocated"
	StateReleased         State = "released"
	StatePicking          State = "picking"
	StatePicked           State = "picked"
	StatePacking          State = "packing"
	StatePacked           State = "packed"
	StateShipped          State = "shipped"
	StateDelivered        State = "delivered"
	StateOnHold           State = "on_hold"
	StateBackordered      State = "backordered"
	StatePartiallyShipped State = "partially_shipped"
	StateCancelled        State = "cancelled"
	StateRMAAuthorized    State = "rma_authorized"
	StateReturnReceived   State = "return_received"
	StateInspected        State = "inspected"
	StateRestocked        State = "restocked"
	StateRefunded         State = "refunded"
	StateExchanged        State = "exchanged"
)

// holdable are the states an order can be put on hold from, and so the
// states a hold can be released back to.
var holdable = []State{
	StateReceived, StateAllocated, StateBackordered, StateReleased,
	StatePicking, StatePicked, StatePacking, StatePacked,
}

// transitions is the order lifecycle: the one place that says which state
// may follow which. Everything else asks CanTransition.
//
// Why some edges exist:
//   - picking -> allocated / backordered: a short pick hands the line back to
//     central, which reallocates from elsewhere or backorders it.
//   - packed -> packing: a carton reopened before the label is printed.
//   - partially_shipped: ship_complete=false orders ship what is there; the
//     rest goes round the loop again or is cancelled.
//   - restocked -> refunded / exchanged: goods go back on the shelf first,
//     then the money or the replacement follows.
//   - rma_authorized -> delivered: an RMA that expires unused.
var transitions = map[State][]State{
	StateReceived:         {StateAllocated, StateBackordered, StateOnHold, StateCancelled},
	StateAllocated:        {StateReleased, StateBackordered, StateOnHold, StateCancelled},
	StateBackordered:      {StateAllocated, StateOnHold, StateCancelled},
	StateReleased:         {StatePicking, StateAllocated, StateOnHold, StateCancelled},
	StatePicking:          {StatePicked, StateAllocated, StateBackordered, StateOnHold, StateCancelled},
	StatePicked:           {StatePacking, StateOnHold, StateCancelled},
	StatePacking:          {StatePacked, StateOnHold, StateCancelled},
	StatePacked:           {StateShipped, StatePartiallyShipped, StatePacking, StateOnHold, StateCancelled},
	StatePartiallyShipped: {StateAllocated, StateBackordered, StateReleased, StatePicking, StatePacking, StateShipped, StateCancelled},
	StateShipped:          {StateDelivered, StateRMAAuthorized},
	StateDelivered:        {StateRMAAuthorized},
	StateOnHold:           append(slices.Clone(holdable), StateCancelled),
	StateCancelled:        nil,
	StateRMAAuthorized:    {StateReturnReceived, StateDelivered},
	StateReturnReceived:   {StateInspected},
	StateInspected:        {StateRestocked, StateRefunded, StateExchanged},
	StateRestocked:        {StateRefunded, StateExchanged},
	StateRefunded:         nil,
	StateExchanged:        nil,
}

// States lists every lifecycle state in a stable order.
func States() []State {
	return []State{
		StateReceived, StateAllocated, StateReleased, StatePicking, StatePicked,
		StatePacking, StatePacked, StateShipped, StateDelivered, StateOnHold,
		StateBackordered, StatePartiallyShipped, StateCancelled,
		StateRMAAuthorized, StateReturnReceived, StateInspected,
		StateRestocked, StateRefunded, StateExchanged,
	}
}

// Valid reports whether s is a lifecycle state.
func (s State) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Terminal reports whether no state can follow s.
func (s State) Terminal() bool { return s.Valid() && len(transitions[s]) == 0 }

// Next lists the states that may follow s.
func (s State) Next() []State { return slices.Clone(transitions[s]) }

// ParseState checks a state name from outside (JSON, database, HTTP).
func ParseState(name string) (State, error) {
	s := State(name)
	if !s.Valid() {
		return "", fmt.Errorf("%w %q", ErrUnknownState, name)
	}
	return s, nil
}

// CanTransition checks the move from -> to against the transition table.
// The error names both states.
func CanTransition(from, to State) error {
	if !from.Valid() {
		return fmt.Errorf("transition from %q: %w %q", from, ErrUnknownState, from)
	}
	if !to.Valid() {
		return fmt.Errorf("transition to %q: %w %q", to, ErrUnknownState, to)
	}
	if !slices.Contains(transitions[from], to) {
		return fmt.Errorf("%w: %s -> %s", ErrIllegalTransition, from, to)
	}
	return nil
}
