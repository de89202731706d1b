package printers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenURLs(t *testing.T) {
	for raw, want := range map[string]string{
		"tcp://10.0.0.5":                   "tcp://10.0.0.5:9100",
		"tcp://printer-3:6101":             "tcp://printer-3:6101",
		"serial:///dev/ttyUSB0?baud=19200": "serial:///dev/ttyUSB0",
		"file:///dev/usb/lp0":              "file:///dev/usb/lp0",
		"cups://Zebra_ZT410":               "cups://Zebra_ZT410",
	} {
		tr, err := Open(raw, Timeouts{})
		if err != nil || tr.String() != want {
			t.Errorf("%s: %v %v", raw, tr, err)
		}
	}
	for _, bad := range []string{"lpd://x", "tcp://", "serial://", "serial:///dev/x?baud=fast", "file://", "cups://", "::"} {
		if _, err := Open(bad, Timeouts{}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestDeviceFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lp0")
	dev := &DeviceFile{Path: p, Timeouts: Timeouts{Answer: 100 * time.Millisecond}}
	if err := dev.Send(context.Background(), []byte("^XA^XZ")); !errors.Is(err, ErrCannotConnect) {
		t.Fatalf("missing device: %v", err)
	}
	os.WriteFile(p, nil, 0o644)
	if err := dev.Send(context.Background(), []byte("^XA^XZ")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "^XA^XZ" {
		t.Fatalf("device got %q", b)
	}
	// A file never answers ~HS: not answering, not "cannot connect".
	if _, err := dev.Status(context.Background()); !errors.Is(err, ErrNotAnswering) {
		t.Fatalf("status: %v", err)
	}
}

func TestCUPS(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "job")
	lp := filepath.Join(dir, "lp")
	os.WriteFile(lp, []byte("#!/bin/sh\n[ \"$2\" = zebra ] || { echo \"lp: The printer or class does not exist.\" >&2; exit 1; }\ncat > '"+out+"'\necho \"$@\" > '"+out+".args'\n"), 0o755)
	lpstat := filepath.Join(dir, "lpstat")
	os.WriteFile(lpstat, []byte("#!/bin/sh\necho \"printer $2 disabled since today -\"\n"), 0o755)
	c := &CUPS{Queue: "zebra", LP: lp, LPStat: lpstat}
	if err := c.Send(context.Background(), []byte("^XA^XZ")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	args, _ := os.ReadFile(out + ".args")
	if string(b) != "^XA^XZ" || !strings.Contains(string(args), "-o raw") {
		t.Fatalf("lp got %q with %q", b, args)
	}
	st, err := c.Status(context.Background())
	if err != nil || !st.Paused {
		t.Fatalf("disabled queue: %+v %v", st, err)
	}
	c.Queue = "other"
	if err := c.Send(context.Background(), []byte("^XA^XZ")); !errors.Is(err, ErrCannotConnect) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("unknown queue: %v", err)
	}
}

func TestStamp(t *testing.T) {
	z := []byte("^XA^FO1,1^FH^FDa^FS^XZ\n^XA^FH^FDb^FS^XZ\n")
	got := string(Stamp(z, "J", 0))
	if strings.Count(got, "^FXpackline-job=J:") != 2 || !strings.Contains(got, "J:2^FS^FH^FDb") {
		t.Fatalf("stamp: %s", got)
	}
	got = string(Stamp(z, "J", 1))
	if strings.Contains(got, "FDa") || !strings.Contains(got, "J:2") || Lint([]byte(got)) != nil {
		t.Fatalf("stamp skip 1: %s", got)
	}
}
