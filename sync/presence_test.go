package sync_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/packline/packline/oms"
	"github.com/packline/packline/sync"
)

func TestParsePresence(t *testing.T) {
	good := sync.Presence{Site: "LON", Station: "PACK-01", At: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), Operator: "op-1", Queue: 3, Backlog: 12, OldestAge: 4.5}
	data, err := json.Marshal(good)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sync.ParsePresence("LON", data); err != nil || got != good {
		t.Fatalf("good heartbeat: %+v %v", got, err)
	}
	spoil := func(f func(p *sync.Presence)) []byte {
		p := good
		f(&p)
		d, _ := json.Marshal(p)
		return d
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"not json", []byte(`{"site":`), "oms.LON.presence"},
		{"wrong type", []byte(`{"site":"LON","station":"PACK-01","queue":"many"}`), "queue"},
		{"other site", spoil(func(p *sync.Presence) { p.Site = "PAR" }), "site"},
		{"no station", spoil(func(p *sync.Presence) { p.Station = "" }), "station"},
		{"station id with a dot", spoil(func(p *sync.Presence) { p.Station = "PACK.01" }), "station"},
		{"station id too long", spoil(func(p *sync.Presence) { p.Station = strings.Repeat("P", 33) }), "station"},
		{"no time", spoil(func(p *sync.Presence) { p.At = time.Time{} }), "at"},
		{"negative queue", spoil(func(p *sync.Presence) { p.Queue = -1 }), "queue"},
		{"negative backlog", spoil(func(p *sync.Presence) { p.Backlog = -5 }), "backlog"},
		{"negative age", spoil(func(p *sync.Presence) { p.OldestAge = -1 }), "oldest_age_s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sync.ParsePresence("LON", c.data)
			if !errors.Is(err, oms.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrInvalid naming %q", err, c.want)
			}
		})
	}
}
