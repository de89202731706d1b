package central

import (
	"testing"
	"time"
)

// checkFor calls fn every interval until it returns nil, and fails the
// test with fn's last error if total passes first. Tests poll with it
// instead of sleeping for a fixed time.
func checkFor(t testing.TB, total, every time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	var err error
	for {
		if err = fn(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", total, err)
		}
		time.Sleep(every)
	}
}
