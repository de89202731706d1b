package oms

import "fmt"

// TaskTrackingRange gives a station a block of serial numbers of one number
// series (a carrier's tracking numbers, or the site's SSCCs) to issue on
// its own, offline. Central allocates each block to exactly one station, so
// no two stations ever issue the same number. It is not about an order: its
// envelope carries no order id or version, and the event id makes applying
// it twice a no-op.
type TaskTrackingRange struct {
	// Series names the number series, e.g. "ups" or "sscc:0614141".
	Series string `json:"series"`
	// First and Last are the first and last serial of the block, inclusive.
	First int64 `json:"first"`
	Last  int64 `json:"last"`
}

// EventType implements Payload.
func (*TaskTrackingRange) EventType() EventType { return EventTaskTrackingRange }

// Validate checks a range as received from central: a series name and a
// non-empty block of non-negative serials.
func (p *TaskTrackingRange) Validate() error {
	switch {
	case p.Series == "" || len(p.Series) > 64:
		return fmt.Errorf("%w tracking range: series: want 1-64 characters, got %q", ErrInvalid, p.Series)
	case p.First < 0:
		return fmt.Errorf("%w tracking range %s: first: %d is negative", ErrInvalid, p.Series, p.First)
	case p.Last < p.First:
		return fmt.Errorf("%w tracking range %s: last: %d is before first %d", ErrInvalid, p.Series, p.Last, p.First)
	}
	return nil
}
