package sync

import (
	"encoding/json"
	"fmt"

	"github.com/packline/packline/oms"
)

// ParsePresence reads a heartbeat received on oms.<site>.presence. It
// refuses, naming the field, what is not JSON, a heartbeat of another
// site or of a station id that could not be one, and negative counts: one
// bad message must not put a phantom station on the leads' floor view.
func ParsePresence(site string, data []byte) (Presence, error) {
	var p Presence
	if err := json.Unmarshal(data, &p); err != nil {
		return Presence{}, fmt.Errorf("%w presence on %s: %v", oms.ErrInvalid, oms.PresenceSubject(site), err)
	}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w presence of %s/%s: %s: %s", oms.ErrInvalid, p.Site, p.Station, field, fmt.Sprintf(format, args...))
	}
	switch {
	case p.Site != site:
		return Presence{}, bad("site", "%q on %s's subject", p.Site, site)
	case oms.ValidateID("station", p.Station) != nil:
		return Presence{}, bad("station", "%v", oms.ValidateID("station", p.Station))
	case p.At.IsZero():
		return Presence{}, bad("at", "missing")
	case p.Queue < 0:
		return Presence{}, bad("queue", "%d is negative", p.Queue)
	case p.Backlog < 0:
		return Presence{}, bad("backlog", "%d is negative", p.Backlog)
	case p.OldestAge < 0:
		return Presence{}, bad("oldest_age_s", "%g is negative", p.OldestAge)
	}
	return p, nil
}
