package vprinter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/packline/packline/internal/testutil"
	"github.com/packline/packline/printers"
)

func checkFor(t *testing.T, total, every time.Duration, fn func() error) {
	t.Helper()
	testutil.CheckFor(t, total, every, fn)
}

func start(t *testing.T, dir string) *Server {
	t.Helper()
	s, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoresLabelsAndDropsCutOffOnes(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	tr := &printers.TCP{Addr: s.Addr()}
	if err := tr.Send(context.Background(), []byte("^XA^FDone^FS^XZ\n^XA^FDtwo^FS^XZ")); err != nil {
		t.Fatal(err)
	}
	// A connection that breaks mid-label: the partial label is not printed.
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("^XA^FDthree^FS^XZ^XA^FDcut off"))
	c.Close()
	checkFor(t, 10*time.Second, 5*time.Millisecond, func() error {
		if n := s.Info().Printed; n != 3 {
			return fmt.Errorf("printed %d, want 3", n)
		}
		return nil
	})
	files, _ := s.Labels()
	b, _ := os.ReadFile(files[2])
	if string(b) != "^XA^FDthree^FS^XZ" {
		t.Fatalf("third label %q", b)
	}
	// Restarted, the printer continues the numbering and the odometer.
	s.Close()
	s2 := start(t, dir)
	if s2.Info().Printed != 3 {
		t.Fatalf("odometer after restart %d", s2.Info().Printed)
	}
	tr2 := &printers.TCP{Addr: s2.Addr()}
	if n, err := tr2.Odometer(context.Background()); err != nil || n != 3 {
		t.Fatalf("odometer %d %v", n, err)
	}
	tr2.Send(context.Background(), []byte("^XA^FDfour^FS^XZ"))
	files, _ = s2.Labels()
	if len(files) != 4 {
		t.Fatalf("%d files", len(files))
	}
}

func TestFaultsHoldLabelsAndControlEndpoint(t *testing.T) {
	s := start(t, t.TempDir())
	h := httptest.NewServer(s.Handler())
	defer h.Close()
	post := func(q string) Info {
		t.Helper()
		resp, err := http.Post(h.URL+"/state?"+q, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var info Info
		if resp.StatusCode != 200 {
			t.Fatalf("POST %s: %s", q, resp.Status)
		}
		json.NewDecoder(resp.Body).Decode(&info)
		return info
	}
	if info := post("paper_out=1"); !info.PaperOut {
		t.Fatalf("%+v", info)
	}
	tr := &printers.TCP{Addr: s.Addr()}
	if err := tr.Send(context.Background(), []byte("^XA^XZ")); err != nil {
		t.Fatal(err)
	}
	st, err := tr.Status(context.Background())
	if err != nil || !st.PaperOut || st.FormatsInBuffer != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	if info := post("paper_out=0"); info.Printed != 1 || info.Held != 0 {
		t.Fatalf("after reload: %+v", info)
	}
	post("offline=1")
	if _, err := tr.Status(context.Background()); !errors.Is(err, printers.ErrCannotConnect) {
		t.Fatalf("offline: %v", err)
	}
	if info := post("reset=1"); info.Offline {
		t.Fatalf("%+v", info)
	}
	if _, err := tr.Status(context.Background()); err != nil {
		t.Fatalf("back online: %v", err)
	}
	resp, _ := http.Post(h.URL+"/state?bogus=1", "", nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown flag: %s", resp.Status)
	}
	resp.Body.Close()
	resp, _ = http.Get(h.URL + "/state")
	var info Info
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info.Addr != s.Addr() {
		t.Fatalf("%+v", info)
	}
}
