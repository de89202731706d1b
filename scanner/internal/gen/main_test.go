package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// dictPath is the dictionary relative to this directory: ../shared/gs1/
// from the project root.
const dictPath = "../../../../shared/gs1/gs1-syntax-dictionary.txt"

// TestTableUpToDate regenerates the table and compares it with the
// committed scanner/gs1_table.go.
func TestTableUpToDate(t *testing.T) {
	f, err := os.Open(dictPath)
	if err != nil {
		t.Skipf("dictionary not available: %v", err)
	}
	defer f.Close()
	entries, release, err := parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkPrefixFree(entries); err != nil {
		t.Fatal(err)
	}
	got, err := render(entries, release)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../gs1_table.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("scanner/gs1_table.go is stale: run go generate ./scanner/")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, msg string }{
		{"unknown linter", "01 *? N14,csum,nosuchlinter\n", "not implemented"},
		{"bad ai", "0 * N1\n", "bad AI"},
		{"no spec", "01 *? req=02\n", "no specification"},
		{"unknown attribute", "01 *? N14 foo=1\n", "unknown attribute"},
		{"empty", "# nothing\n", "no entries"},
	}
	for _, tt := range tests {
		_, _, err := parse(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: parse error %v, want %q", tt.name, err, tt.msg)
		}
	}
	entries, _, err := parse(strings.NewReader("91-92 ? X..90 # INTERNAL\n911 ? X..3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if perr := checkPrefixFree(entries); perr == nil {
		t.Error("AI 91 as a prefix of AI 911 not detected")
	}
}
