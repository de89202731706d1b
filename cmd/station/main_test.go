package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommands runs the station's commands on a real SQLite file: init
// with the demo catalogue, status, and the refusals of bad command lines.
func TestCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "st")
	var out, errs bytes.Buffer
	if err := run([]string{"init", "--data", data, "--site", "LON", "--station", "PACK-09", "--demo"}, &out, &errs); err != nil {
		t.Fatalf("init: %v\n%s", err, errs.String())
	}
	if !strings.Contains(out.String(), "station LON/PACK-09") || !strings.Contains(out.String(), "demo data:") {
		t.Fatalf("init said %q", out.String())
	}
	out.Reset()
	if err := run([]string{"status", "--data", data}, &out, &errs); err != nil || !strings.Contains(out.String(), "station LON/PACK-09") {
		t.Fatalf("status: %v %q", err, out.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"status", "--data", filepath.Join(t.TempDir(), "none")}, "run station init first"},
		{[]string{"closeout", "--data", data}, "--shipping and --carrier are required"},
		{[]string{"run", "--data", data, "extra"}, `unexpected argument "extra"`},
		{[]string{"init", "--no-such-flag"}, "flag provided but not defined"},
	} {
		if err := run(c.args, &out, &errs); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("station %s: got %v, want an error with %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	out.Reset()
	if err := run([]string{"help"}, &out, &errs); err != nil || !strings.Contains(out.String(), "closeout  end of day") {
		t.Fatalf("help: %v %q", err, out.String())
	}
}
