package oms

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Channel is where an order came from.
type Channel string

// The sales channels Packline captures orders from.
const (
	ChannelWeb         Channel = "web"
	ChannelMarketplace Channel = "marketplace"
	ChannelPhone       Channel = "phone"
	ChannelEDI         Channel = "edi"
	ChannelPOS         Channel = "pos"
)

// Channels lists every channel in a stable order.
func Channels() []Channel {
	return []Channel{ChannelWeb, ChannelMarketplace, ChannelPhone, ChannelEDI, ChannelPOS}
}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	switch c {
	case ChannelWeb, ChannelMarketplace, ChannelPhone, ChannelEDI, ChannelPOS:
		return true
	}
	return false
}

// ServiceLevel is the delivery speed the customer paid for.
type ServiceLevel string

// The service levels an order can ask for.
const (
	ServiceStandard ServiceLevel = "standard"
	ServiceExpress  ServiceLevel = "express"
	ServiceNextDay  ServiceLevel = "next_day"
)

// Valid reports whether l is a known service level.
func (l ServiceLevel) Valid() bool {
	switch l {
	case ServiceStandard, ServiceExpress, ServiceNextDay:
		return true
	}
	return false
}

// Customer is who ordered.
type Customer struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Line is one SKU on an order. UnitPrice is in the minor units of the
// order's currency (cents, pence; yen have none).
type Line struct {
	LineNo    int    `json:"line_no"`
	SKU       string `json:"sku"`
	Qty       int    `json:"qty"`
	UnitPrice int64  `json:"unit_price"`
}

// Order is a customer order as central owns it. Version grows by one on
// every change central makes, so stations can tell a newer task from an
// older one.
type Order struct {
	ID           string       `json:"id"`
	Version      int64        `json:"version"`
	Channel      Channel      `json:"channel"`
	ExternalID   string       `json:"external_id"`
	Customer     Customer     `json:"customer"`
	ShipTo       Address      `json:"ship_to"`
	Currency     string       `json:"currency"`
	ServiceLevel ServiceLevel `json:"service_level"`
	PromisedAt   time.Time    `json:"promised_at,omitzero"`
	ShipComplete bool         `json:"ship_complete,omitempty"`
	State        State        `json:"state"`
	// HeldFrom is the state a hold returns the order to; empty unless on hold.
	HeldFrom State     `json:"held_from,omitempty"`
	Site     string    `json:"site,omitempty"`
	Lines    []Line    `json:"lines"`
	Created  time.Time `json:"created_at,omitzero"`
}

// Total is the order's goods value in minor units.
func (o *Order) Total() int64 {
	var t int64
	for _, l := range o.Lines {
		t += l.UnitPrice * int64(l.Qty)
	}
	return t
}

// Units is the number of items on the order.
func (o *Order) Units() int {
	n := 0
	for _, l := range o.Lines {
		n += l.Qty
	}
	return n
}

// Transition moves the order to state to, if the lifecycle allows it, and
// bumps its version. A hold remembers where the order was; leaving a hold
// is only allowed back to that state (or to cancelled).
func (o *Order) Transition(to State) error {
	if err := CanTransition(o.State, to); err != nil {
		return fmt.Errorf("order %s: %w", o.ID, err)
	}
	switch {
	case to == StateOnHold:
		o.HeldFrom = o.State
	case o.State == StateOnHold && to != StateCancelled:
		if to != o.HeldFrom {
			return fmt.Errorf("order %s: %w: %s -> %s (held from %s)", o.ID, ErrIllegalTransition, o.State, to, o.HeldFrom)
		}
		o.HeldFrom = ""
	case o.State == StateOnHold:
		o.HeldFrom = ""
	}
	o.State = to
	o.Version++
	return nil
}

// Validate checks an order as captured from a channel. Its text fields
// must hold no control characters or invalid UTF-8 (checkText), and each
// line's SKU must be a code the catalog could hold (checkSKUCode). The
// error names the first bad field, with line numbers counted from 1.
func (o *Order) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w order: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
	}
	if !o.Channel.Valid() {
		return bad("channel", "%q is not one of web, marketplace, phone, edi, pos", o.Channel)
	}
	// Text first: an external id of "\t" is a control character, not a
	// missing id, and the checks below need not think about them.
	for _, f := range []struct{ name, v string }{
		{"id", o.ID}, {"external_id", o.ExternalID}, {"customer.name", o.Customer.Name},
		{"customer.email", o.Customer.Email}, {"customer.phone", o.Customer.Phone}, {"site", o.Site},
	} {
		if err := CheckText(f.v); err != nil {
			return bad(f.name, "%v", err)
		}
	}
	if strings.TrimSpace(o.ExternalID) == "" {
		return bad("external_id", "missing")
	}
	if len(o.ExternalID) > 100 {
		return bad("external_id", "longer than 100 characters")
	}
	if strings.TrimSpace(o.Customer.Name) == "" {
		return bad("customer.name", "missing")
	}
	if o.Customer.Email != "" {
		if _, err := mail.ParseAddress(o.Customer.Email); err != nil {
			return bad("customer.email", "%q is not an email address", o.Customer.Email)
		}
	}
	if err := o.ShipTo.Validate(); err != nil {
		return fmt.Errorf("%w order: ship_to.%w", ErrInvalid, err)
	}
	if _, ok := CurrencyExponent(o.Currency); !ok {
		return bad("currency", "%q is not an ISO 4217 currency code", o.Currency)
	}
	if !o.ServiceLevel.Valid() {
		return bad("service_level", "%q is not one of standard, express, next_day", o.ServiceLevel)
	}
	if len(o.Lines) == 0 {
		return bad("lines", "an order needs at least one line")
	}
	for i, l := range o.Lines {
		field := fmt.Sprintf("lines[%d]", i+1)
		if err := checkSKUCode(l.SKU); err != nil {
			return bad(field+".sku", "%v", err)
		}
		if l.Qty <= 0 {
			return bad(field+".qty", "%d is not a positive quantity", l.Qty)
		}
		if l.Qty > 100000 {
			return bad(field+".qty", "%d is more than 100000", l.Qty)
		}
		if l.UnitPrice < 0 {
			return bad(field+".unit_price", "%d is negative", l.UnitPrice)
		}
	}
	return nil
}
