package printers

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestSerialOverPTY drives the serial transport against a pseudo-terminal
// whose other end plays the printer.
func TestSerialOverPTY(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pty on this machine: %v", err)
	}
	defer master.Close()
	name := slave.Name()
	defer slave.Close()
	got := make(chan []byte, 1)
	go func() {
		var buf []byte
		tmp := make([]byte, 1024)
		for {
			n, err := master.Read(tmp)
			buf = append(buf, tmp[:n]...)
			if i := bytes.Index(buf, []byte("~HS")); i >= 0 {
				buf = append(buf[:i], buf[i+3:]...)
				master.Write(FormatHostStatus(Status{Paused: true}))
			}
			if bytes.Contains(buf, []byte("^XZ")) {
				got <- buf
				buf = nil
			}
			if err != nil {
				return
			}
		}
	}()
	p := &Serial{Port: name, Baud: 9600, Timeouts: Timeouts{Answer: 2 * time.Second}}
	st, err := p.Status(context.Background())
	if err != nil || !st.Paused {
		t.Fatalf("status over serial: %+v %v", st, err)
	}
	if err := p.Send(context.Background(), []byte("^XA^FDx^FS^XZ")); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-got:
		if !bytes.Contains(b, []byte("^XA^FDx^FS^XZ")) {
			t.Fatalf("printer got %q", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("printer end got nothing")
	}
	bad := &Serial{Port: "/dev/packline-no-such-port"}
	if err := bad.Send(context.Background(), []byte("^XA^XZ")); !errors.Is(err, ErrCannotConnect) {
		t.Fatalf("missing port: %v", err)
	}
}
