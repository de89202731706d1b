package central

import (
	"github.com/packline/packline/internal/testutil"
	"testing"
	"time"
)

// checkFor calls fn every interval until it returns nil, and fails the
// test with fn's last error if total passes first. Tests poll with it
// instead of sleeping for a fixed time.
func checkFor(t testing.TB, total, every time.Duration, fn func() error) {
	t.Helper()
	testutil.CheckFor(t, total, every, fn)
}
