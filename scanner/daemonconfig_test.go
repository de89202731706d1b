package scanner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadExampleConfig(t *testing.T) {
	cfg, err := LoadDaemonConfig(filepath.Join("..", "configs", "scannerd.example.toml"))
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if len(cfg.Serial) != 1 || cfg.Serial[0].Name != "pack-1" || cfg.Serial[0].Baud != 9600 {
		t.Errorf("serial = %+v", cfg.Serial)
	}
	if len(cfg.HID) != 1 || cfg.HID[0].Layout != "us" {
		t.Errorf("hid = %+v", cfg.HID)
	}
	if cfg.Reopen.Duration != 500*time.Millisecond || cfg.Buffer != 1000 {
		t.Errorf("reopen %s buffer %d", cfg.Reopen, cfg.Buffer)
	}
	if len(cfg.Decode.Commands) == 0 {
		t.Errorf("decode defaults lost: %+v", cfg.Decode)
	}
}

func TestLoadConfigErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name, toml, want string
	}{
		{"unknown key", "buffr = 3\n[[serial]]\npath = \"/dev/x\"\n", "buffr"},
		{"bad duration", "reopen = \"soon\"\n[[serial]]\npath = \"/dev/x\"\n", "duration"},
		{"reopen too slow", "reopen = \"5s\"\n[[serial]]\npath = \"/dev/x\"\n", "reopen"},
		{"bad parity", "[[serial]]\npath = \"/dev/x\"\nparity = \"sometimes\"\n", "serial[0]: parity"},
		{"bad layout", "[[hid]]\npath = \"/dev/x\"\nlayout = \"fr\"\n", "hid[0]: layout"},
		{"duplicate name", "[[serial]]\npath = \"/dev/a/x\"\n[[serial]]\npath = \"/dev/b/x\"\n", "serial[1]: name \"x\""},
		{"bad buffer", "buffer = 0\n[[serial]]\npath = \"/dev/x\"\n", "buffer"},
		{"bad socket mode", "socket_mode = \"rw\"\n[[serial]]\npath = \"/dev/x\"\n", "socket_mode"},
		{"bad log level", "log_level = \"loud\"\n[[serial]]\npath = \"/dev/x\"\n", "log_level"},
		{"not toml", "[[serial\n", "scannerd config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "scannerd.toml")
			if err := os.WriteFile(p, []byte(tt.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadDaemonConfig(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %q", err, tt.want)
			}
		})
	}
	if _, err := LoadDaemonConfig(filepath.Join(t.TempDir(), "missing.toml")); err == nil {
		t.Fatal("missing file: no error")
	}
}

func TestDecodeOnlyConfigLoads(t *testing.T) {
	p := filepath.Join(t.TempDir(), "decode.toml")
	if err := os.WriteFile(p, []byte("[decode]\ncommand_prefix = \"CMD-\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadDaemonConfig(p)
	if err != nil {
		t.Fatalf("a config with only [decode]: %v", err)
	}
	if _, err := NewDaemon(cfg, nil); err == nil || !strings.Contains(err.Error(), "no scanners") {
		t.Fatalf("daemon without scanners: %v", err)
	}
}

func TestKnownVendors(t *testing.T) {
	for vid, want := range map[string]string{"05e0": "Zebra", "0C2E": "Honeywell", "0x05f9": "Datalogic", "1eab": "Newland", "1234": ""} {
		if got := KnownVendor(vid); !strings.Contains(got, want) || (want == "" && got != "") {
			t.Errorf("KnownVendor(%q) = %q, want %q", vid, got, want)
		}
	}
	if _, err := ListSerial(); err != nil {
		t.Errorf("list serial ports: %v", err)
	}
	if _, err := ListInput(); err != nil {
		t.Errorf("list input devices: %v", err)
	}
	if !hexBitSet("120013", 1) || hexBitSet("120011", 1) || hexBitSet("", 1) {
		t.Error("hexBitSet")
	}
}

// FuzzDaemonConfig feeds arbitrary TOML to the config loader: no panic, an
// error names the file, and a config it accepts is valid.
func FuzzDaemonConfig(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "configs", "scannerd.example.toml")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		"buffr = 3\n", "reopen = \"soon\"\n", "[[serial]]\npath = \"/dev/x\"\nparity = \"sometimes\"\n",
		"[[hid]]\npath = \"/dev/x\"\nlayout = \"de\"\n", "[[serial]]\npath = \"/dev/x\"\nframe_end = \"suffix\"\nsuffix = \"\\u0003\"\n",
		"buffer = -1\n", "[decode]\n", "socket_mode = \"0999\"\n", "[[serial]\n", "\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := parseDaemonConfig("fuzz.toml", b)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.toml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config does not validate: %v", err)
		}
	})
}
