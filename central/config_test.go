package central

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
