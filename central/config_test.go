package central

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/packline/packline/oms"
)

func TestExampleConfigLoads(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "configs", "omsd.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sites) != 1 || cfg.Sites[0].Address.PostalCode != "RM9 6XX" || len(cfg.Allocation.Zones) != 2 {
		t.Fatalf("example config read wrong: %+v", cfg)
	}
}

// TestExampleConfigDocumentsEveryKey: every key of Config appears in the
// example config, set or commented out, so a new setting cannot go
// undocumented.
func TestExampleConfigDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "configs", "omsd.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for f := range typ.Fields() {
			key, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if key == "" || key == "-" {
				continue
			}
			re := regexp.MustCompile(`(?m)^[#\s]*(\[+[\w.]*\b` + key + `\]+|` + key + `\s*=)`)
			if !re.Match(data) {
				t.Errorf("configs/omsd.example.toml lacks %s%s", prefix, key)
			}
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			// An address's fields are oms.Address's, documented with it.
			if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[oms.Address]() {
				walk(prefix+key+".", ft)
			}
		}
	}
	walk("", reflect.TypeFor[Config]())
}

func TestConfigErrorsNameTheField(t *testing.T) {
	cases := map[string]string{
		"unknown key":     "htp = \"x\"\n",
		"bad type":        "http = 5\n",
		"bad http":        "http = \"nowhere\"\n",
		"bad replicas":    "[nats]\nreplicas = 9\n",
		"bad site":        "[[sites]]\nid = \"L.ON\"\nname = \"x\"\n",
		"site address":    "[[sites]]\nid = \"LON\"\nname = \"x\"\n[sites.address]\nname = \"x\"\nstreet1 = \"1\"\ncity = \"c\"\ncountry = \"United Kingdom\"\n",
		"bad zone":        "[[allocation.zones]]\nsite = \"LON\"\ncountry = \"GBR\"\n",
		"sku check digit": "[[skus]]\nsku = \"A\"\nbarcodes = [\"4006381333932\"]\n",
	}
	want := map[string]string{
		"unknown key": "unknown key htp", "bad type": ":1:", "bad http": "http:", "bad replicas": "nats.replicas",
		"bad site": "sites[1]", "site address": "address.country", "bad zone": "zones[1].country", "sku check digit": "skus[1]",
	}
	dir := t.TempDir()
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".toml")
			os.WriteFile(path, []byte(body), 0o644)
			cfg, err := LoadConfig(path)
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), want[name]) {
				t.Fatalf("got %v, want error containing %q", err, want[name])
			}
		})
	}
}
