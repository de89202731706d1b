package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestList(t *testing.T) {
	var b bytes.Buffer
	if err := runList(&b, nil); err != nil {
		t.Fatalf("list: %v", err)
	}
	if !strings.HasPrefix(b.String(), "KIND") {
		t.Fatalf("list output:\n%s", b.String())
	}
	b.Reset()
	if err := runList(&b, []string{"-json"}); err != nil || !strings.Contains(b.String(), `"serial"`) {
		t.Fatalf("list -json: %v\n%s", err, b.String())
	}
	if err := runList(&b, []string{"extra"}); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Fatalf("list with a stray argument: %v, want an error naming it", err)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(p, []byte("[[serial]]\npath = \"/dev/x\"\nbaud = \"fast\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := runDaemon([]string{"-config", p})
	if err == nil || !strings.Contains(err.Error(), "baud") {
		t.Fatalf("run with a bad config: %v, want an error naming baud", err)
	}
	if err := runDaemon([]string{"extra"}); err == nil {
		t.Fatal("run with a stray argument: no error")
	}
}
