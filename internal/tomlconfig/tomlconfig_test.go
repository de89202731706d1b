package tomlconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type config struct {
	Data    string `toml:"data" env:"TOMLCONFIG_TEST_DATA"`
	Workers int    `toml:"workers" env:"TOMLCONFIG_TEST_WORKERS"`
	NATS    struct {
		URL string `toml:"url"`
	} `toml:"nats"`
}

func write(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "packline.toml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadLayersDefaultsFileEnvironment(t *testing.T) {
	cfg := config{Data: "default", Workers: 2}
	cfg.NATS.URL = "nats://default"
	path := write(t, "workers = 4\n[nats]\nurl = \"nats://file\"\n")
	t.Setenv("TOMLCONFIG_TEST_DATA", "from-env")
	if err := Load(path, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Data != "from-env" || cfg.Workers != 4 || cfg.NATS.URL != "nats://file" {
		t.Fatalf("got %+v", cfg)
	}
	kept := config{Data: "default", Workers: 2}
	if err := Load("", &kept); err != nil || kept.Workers != 2 {
		t.Fatalf("no file: %+v %v", kept, err)
	}
}

func TestLoadNamesWhatIsWrong(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"unknown key", "workers = 4\n[nats]\nurll = \"x\"\n", []string{":3:1:", "unknown key nats.urll"}},
		{"wrong type", "data = \"d\"\nworkers = \"many\"\n", []string{":2:", "workers"}},
		{"not toml", "workers = = 4\n", []string{":1:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := write(t, c.body)
			var cfg config
			err := Load(path, &cfg)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range append([]string{"config " + path}, c.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("%v: want it to say %q", err, w)
				}
			}
		})
	}
	var cfg config
	if err := Load(filepath.Join(t.TempDir(), "missing.toml"), &cfg); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Fatalf("missing file: %v", err)
	}
	t.Setenv("TOMLCONFIG_TEST_WORKERS", "lots")
	if err := Load("", &cfg); err == nil || !strings.Contains(err.Error(), "environment") || !strings.Contains(err.Error(), "Workers") || !strings.Contains(err.Error(), `"lots"`) {
		t.Fatalf("bad environment value: %v", err)
	}
}
