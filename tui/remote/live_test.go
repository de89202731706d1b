package remote

import (
	"bytes"
	stdsync "sync"
	"testing"
	"time"

	"github.com/charmbracelet/ssh"
)

// stalledConn is a watching connection that never takes its output, as a
// lead's handheld out of Wi-Fi range: Write blocks until Close.
type stalledConn struct {
	ssh.Session // only Write, Exit and Close are used
	closed      chan struct{}
	once        stdsync.Once
}

func (c *stalledConn) Write(p []byte) (int, error) {
	<-c.closed
	return 0, bytes.ErrTooLarge
}

func (c *stalledConn) Exit(int) error { return nil }

func (c *stalledConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// TestStalledViewerNeverBlocksTheSession: a watching lead whose
// connection stops taking output is cut off once it falls too far
// behind; the watched program's writes never wait for it.
func TestStalledViewerNeverBlocksTheSession(t *testing.T) {
	var main bytes.Buffer
	f := &fanout{main: &main, viewers: map[ssh.Session]*viewer{}}
	stalled := &stalledConn{closed: make(chan struct{})}
	f.addViewer(stalled)
	done := make(chan struct{})
	go func() {
		for range 10 * viewerQueue {
			f.Write([]byte("frame\n"))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the program's output blocked on a stalled viewer")
	}
	if n := f.viewerCount(); n != 0 {
		t.Fatalf("%d viewers, want the stalled one dropped", n)
	}
	select {
	case <-stalled.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the stalled viewer's connection was not closed")
	}
	if got := bytes.Count(main.Bytes(), []byte("frame\n")); got != 10*viewerQueue {
		t.Fatalf("the attached terminal got %d frames, want %d", got, 10*viewerQueue)
	}
	f.closeViewers()
}
