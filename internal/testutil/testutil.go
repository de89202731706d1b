// Package testutil holds what Packline's tests share: polling for an
// outcome instead of sleeping for it.
package testutil

import (
	"testing"
	"time"
)

// CheckFor calls fn every `every` until it returns nil, and fails the
// test with fn's last error once total has passed.
func CheckFor(t testing.TB, total, every time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", total, err)
		}
		time.Sleep(every)
	}
}
