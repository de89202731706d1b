package scanner

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDecodeStream(t *testing.T) {
	in := "]C10109506000134352" + "17260131" + "10AB-12\r\n" +
		"]C1010950600013435210AB-12\x1d17260131\n" +
		"\n" +
		"]E04006381333932\n" +
		"TOTE-1234\r\n" +
		"https://id.gs1.org/01/09506000134352?17=260131&3103=001250\n" +
		"(01)09506000134352(10)A"
	var out bytes.Buffer
	if err := DecodeStream(strings.NewReader(in), &out, NewDecoder(DefaultConfig())); err != nil {
		t.Fatalf("DecodeStream: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("got %d lines, want 6 (empty lines skipped):\n%s", len(lines), out.String())
	}
	type row struct {
		Raw       string            `json:"raw"`
		OK        bool              `json:"ok"`
		Error     string            `json:"error"`
		Symbology string            `json:"symbology"`
		Kind      string            `json:"kind"`
		GTIN      string            `json:"gtin"`
		AIs       map[string]string `json:"ais"`
	}
	var rows []row
	for _, l := range lines {
		var r row
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		rows = append(rows, r)
	}
	if !rows[0].OK || rows[0].GTIN != "09506000134352" || rows[0].AIs["10"] != "AB-12" || rows[0].Symbology != "gs1-128" || rows[0].Kind != "product" {
		t.Errorf("row 0 = %+v", rows[0])
	}
	if rows[0].Raw != "]C10109506000134352"+"17260131"+"10AB-12" {
		t.Errorf("row 0 raw %q: trailing CR must be stripped", rows[0].Raw)
	}
	if !rows[1].OK || rows[1].Raw != "]C1010950600013435210AB-12\x1d17260131" || rows[1].AIs["17"] != "260131" {
		t.Errorf("row 1 = %+v: GS must be kept as-is", rows[1])
	}
	if !strings.Contains(lines[1], `\u001d`) {
		t.Errorf("GS not escaped in JSON: %s", lines[1])
	}
	if rows[2].OK || !strings.Contains(rows[2].Error, "check digit") {
		t.Errorf("row 2 = %+v, want a check digit error", rows[2])
	}
	if !rows[3].OK || rows[3].Kind != "tote" {
		t.Errorf("row 3 = %+v", rows[3])
	}
	if !rows[4].OK || rows[4].AIs["3103"] != "001250" || !strings.Contains(lines[4], "260131&3103") {
		t.Errorf("row 4 = %+v: %s", rows[4], lines[4])
	}
	if !rows[5].OK || rows[5].AIs["10"] != "A" {
		t.Errorf("row 5 (no final newline) = %+v", rows[5])
	}
	for i, l := range lines {
		for _, field := range []string{`"raw":`, `"ok":`, `"error":`, `"symbology":`, `"kind":`, `"gtin":`, `"ais":`} {
			if !strings.Contains(l, field) {
				t.Errorf("line %d lacks %s: %s", i, field, l)
			}
		}
	}
}

func TestDecodeStreamLongLine(t *testing.T) {
	in := strings.Repeat("A", maxScanLine+10) + "\n" + "TOTE-1234\n"
	var out bytes.Buffer
	if err := DecodeStream(strings.NewReader(in), &out, NewDecoder(DefaultConfig())); err != nil {
		t.Fatalf("DecodeStream: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], `"kind":"tote"`) {
		t.Fatalf("an overlong line must not stop the stream: %d lines", len(lines))
	}
	// Cut, an overlong line's first bytes can read as a whole scan (here a
	// location): it must come out failed, with exactly the bytes kept, and a
	// line of exactly the limit must come out whole.
	out.Reset()
	in = "LOC-" + strings.Repeat("A", maxScanLine) + "\n" + "LOC-" + strings.Repeat("B", maxScanLine-4) + "\n"
	if err := DecodeStream(strings.NewReader(in), &out, NewDecoder(DefaultConfig())); err != nil {
		t.Fatalf("DecodeStream: %v", err)
	}
	dec := json.NewDecoder(&out)
	var cut, whole Scan
	if err := dec.Decode(&cut); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&whole); err != nil {
		t.Fatal(err)
	}
	if cut.OK || cut.Kind != KindUnknown || cut.Value != "" || len(cut.Raw) != maxScanLine || !strings.Contains(cut.Error, "line 1 longer than") {
		t.Errorf("cut line: ok %v kind %s value %.10q raw %d bytes, error %q; want a failed scan of %d bytes", cut.OK, cut.Kind, cut.Value, len(cut.Raw), cut.Error, maxScanLine)
	}
	if !whole.OK || whole.Kind != KindLocation || len(whole.Raw) != maxScanLine {
		t.Errorf("line of exactly the limit: ok %v kind %s raw %d bytes (%s)", whole.OK, whole.Kind, len(whole.Raw), whole.Error)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("device gone") }

func TestDecodeStreamIOErrors(t *testing.T) {
	d := NewDecoder(DefaultConfig())
	big := strings.Repeat("TOTE-1234\n", 10000)
	if err := DecodeStream(strings.NewReader(big), failingWriter{}, d); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("write error = %v", err)
	}
	if err := DecodeStream(failingReader{}, &bytes.Buffer{}, d); err == nil || !strings.Contains(err.Error(), "device gone") {
		t.Errorf("read error = %v", err)
	}
}
