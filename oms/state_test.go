package oms

import (
	"errors"
	"strings"
	"testing"
)

// legalEdges is the lifecycle written out by hand, independently of the
// transition table, so a change to the table has to be made twice.
var legalEdges = []string{
	"received->allocated", "received->backordered", "received->on_hold", "received->cancelled",
	"allocated->released", "allocated->backordered", "allocated->on_hold", "allocated->cancelled",
	"backordered->allocated", "backordered->on_hold", "backordered->cancelled",
	"released->picking", "released->allocated", "released->on_hold", "released->cancelled",
	"picking->picked", "picking->allocated", "picking->backordered", "picking->on_hold", "picking->cancelled",
	"picked->packing", "picked->on_hold", "picked->cancelled",
	"packing->packed", "packing->on_hold", "packing->cancelled",
	"packed->shipped", "packed->partially_shipped", "packed->packing", "packed->on_hold", "packed->cancelled",
	"partially_shipped->allocated", "partially_shipped->backordered", "partially_shipped->released",
	"partially_shipped->picking", "partially_shipped->packing", "partially_shipped->shipped", "partially_shipped->cancelled",
	"shipped->delivered", "shipped->rma_authorized",
	"delivered->rma_authorized",
	"on_hold->received", "on_hold->allocated", "on_hold->backordered", "on_hold->released", "on_hold->picking",
	"on_hold->picked", "on_hold->packing", "on_hold->packed", "on_hold->cancelled",
	"rma_authorized->return_received", "rma_authorized->delivered",
	"return_received->inspected",
	"inspected->restocked", "inspected->refunded", "inspected->exchanged",
	"restocked->refunded", "restocked->exchanged",
}

func TestEveryTransition(t *testing.T) {
	legal := map[string]bool{}
	for _, e := range legalEdges {
		legal[e] = true
	}
	states := States()
	if len(states) != 19 {
		t.Fatalf("States() has %d states, want 19", len(states))
	}
	for _, from := range states {
		for _, to := range states {
			name := string(from) + "->" + string(to)
			t.Run(name, func(t *testing.T) {
				err := CanTransition(from, to)
				if legal[name] {
					if err != nil {
						t.Fatalf("legal move refused: %v", err)
					}
					return
				}
				if !errors.Is(err, ErrIllegalTransition) {
					t.Fatalf("illegal move: got %v, want ErrIllegalTransition", err)
				}
				if !strings.Contains(err.Error(), string(from)) || !strings.Contains(err.Error(), string(to)) {
					t.Fatalf("error %q does not name both states", err)
				}
			})
		}
	}
}

func TestUnknownStates(t *testing.T) {
	if err := CanTransition("lost", StateShipped); !errors.Is(err, ErrUnknownState) || !strings.Contains(err.Error(), "lost") {
		t.Fatalf("unknown from: %v", err)
	}
	if err := CanTransition(StateReceived, "teleported"); !errors.Is(err, ErrUnknownState) {
		t.Fatalf("unknown to: %v", err)
	}
	if _, err := ParseState("Shipped"); err == nil {
		t.Fatal("ParseState accepted a wrongly cased state")
	}
	if s, err := ParseState("packed"); err != nil || s != StatePacked {
		t.Fatalf("ParseState(packed) = %v, %v", s, err)
	}
}

func TestTerminalStates(t *testing.T) {
	for _, s := range States() {
		want := s == StateCancelled || s == StateRefunded || s == StateExchanged
		if s.Terminal() != want {
			t.Errorf("%s.Terminal() = %v, want %v", s, s.Terminal(), want)
		}
	}
}

func TestOrderHoldReturnsWhereItWas(t *testing.T) {
	o := Order{ID: "o1", State: StatePacking, Version: 3}
	if err := o.Transition(StateOnHold); err != nil {
		t.Fatal(err)
	}
	if o.HeldFrom != StatePacking || o.Version != 4 {
		t.Fatalf("after hold: held_from=%s version=%d", o.HeldFrom, o.Version)
	}
	err := o.Transition(StateAllocated)
	if !errors.Is(err, ErrIllegalTransition) || !strings.Contains(err.Error(), "held from packing") {
		t.Fatalf("release to another state: %v", err)
	}
	if o.State != StateOnHold || o.Version != 4 {
		t.Fatalf("refused move changed the order: %s v%d", o.State, o.Version)
	}
	if err := o.Transition(StatePacking); err != nil {
		t.Fatal(err)
	}
	if o.HeldFrom != "" || o.State != StatePacking || o.Version != 5 {
		t.Fatalf("after release: %+v", o)
	}
}

func TestOrderTransitionRefusedKeepsOrder(t *testing.T) {
	o := Order{ID: "o2", State: StateShipped, Version: 9}
	err := o.Transition(StatePicking)
	if !errors.Is(err, ErrIllegalTransition) || !strings.Contains(err.Error(), "shipped -> picking") || !strings.Contains(err.Error(), "o2") {
		t.Fatalf("got %v", err)
	}
	if o.State != StateShipped || o.Version != 9 {
		t.Fatalf("order changed: %+v", o)
	}
}
