package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeCmd(t *testing.T) {
	in := "]C1010950600013435210AB-12\x1d17260131\r\n" + "]E04006381333932\n" + "BIN-7\n"
	var out bytes.Buffer
	if err := decodeCmd(nil, strings.NewReader(in), &out, io.Discard); err != nil {
		t.Fatalf("decode: %v", err)
	}
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(rows), out.String())
	}
	if rows[0]["ok"] != true || rows[0]["gtin"] != "09506000134352" || rows[0]["ais"].(map[string]any)["17"] != "260131" {
		t.Errorf("gs1-128 line: %v", rows[0])
	}
	if rows[1]["ok"] != false || !strings.Contains(rows[1]["error"].(string), "check digit") {
		t.Errorf("bad ean line: %v", rows[1])
	}
	if rows[2]["ok"] != false || rows[2]["kind"] != "unknown" {
		t.Errorf("BIN-7 with default patterns: %v", rows[2])
	}

	// A site config teaches it the site's location labels.
	p := filepath.Join(t.TempDir(), "scannerd.toml")
	if err := os.WriteFile(p, []byte("[decode]\nlocation_pattern = '^BIN-(?P<id>\\d+)$'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := decodeCmd([]string{"-config", p}, strings.NewReader("BIN-7\n"), &out, io.Discard); err != nil {
		t.Fatalf("decode -config: %v", err)
	}
	if !strings.Contains(out.String(), `"kind":"location"`) || !strings.Contains(out.String(), `"value":"7"`) {
		t.Errorf("with config: %s", out.String())
	}
}

func TestDecodeCmdErrors(t *testing.T) {
	if err := decodeCmd([]string{"extra"}, strings.NewReader(""), io.Discard, io.Discard); err == nil {
		t.Error("stray argument: no error")
	}
	if err := decodeCmd([]string{"-nosuchflag"}, strings.NewReader(""), io.Discard, io.Discard); err == nil {
		t.Error("unknown flag: no error")
	}
	if err := decodeCmd([]string{"-config", filepath.Join(t.TempDir(), "missing.toml")}, strings.NewReader(""), io.Discard, io.Discard); err == nil {
		t.Error("missing config: no error")
	}
	p := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(p, []byte("[decode]\ntote_pattern = '(['\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := decodeCmd([]string{"-config", p}, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "tote_pattern") {
		t.Errorf("bad pattern: %v, want an error naming tote_pattern", err)
	}
}
