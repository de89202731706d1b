package oms

import (
	"fmt"
	"strings"
)

// StationEventsSubject is the NATS subject a station's events travel on.
func StationEventsSubject(site, station string) string {
	return "oms." + site + "." + station + ".events"
}

// StationTasksSubject is the NATS subject central sends a station's tasks on.
func StationTasksSubject(site, station string) string {
	return "oms." + site + "." + station + ".tasks"
}

// PresenceSubject is the NATS subject a site's stations heartbeat on.
func PresenceSubject(site string) string { return "oms." + site + ".presence" }

// ValidateID checks a site or station id: it becomes one token of a NATS
// subject, so it must be 1-32 letters, digits, '-' or '_'.
func ValidateID(what, id string) error {
	if id == "" || len(id) > 32 {
		return fmt.Errorf("%w %s id %q: want 1-32 characters", ErrInvalid, what, id)
	}
	if i := strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}); i >= 0 {
		return fmt.Errorf("%w %s id %q: character %q at %d; use letters, digits, '-' and '_'", ErrInvalid, what, id, id[i], i+1)
	}
	return nil
}
