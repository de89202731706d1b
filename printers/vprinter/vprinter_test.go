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
	"path/filepath"
	"strings"
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

// TestControlBadRequestChangesNothing checks that a control request with a
// bad flag is refused whole: the reset in the same request is not applied.
func TestControlBadRequestChangesNothing(t *testing.T) {
	s := start(t, t.TempDir())
	h := s.Handler()
	do := func(q string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/state?"+q, nil))
		return rec
	}
	if rec := do("paper_out=1&paused=1"); rec.Code != http.StatusOK {
		t.Fatalf("set faults: %d %s", rec.Code, rec.Body)
	}
	for _, q := range []string{"reset=1&bogus=1", "reset=1&paused=maybe", "reset=perhaps", "paper_out=0&head_open=2", "%zz"} {
		rec := do(q)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "vprinter control") {
			t.Errorf("POST %s: %d %q, want 400 naming the control request", q, rec.Code, rec.Body)
		}
		if st := s.Info().State; !st.PaperOut || !st.Paused {
			t.Fatalf("POST %s changed the state to %+v", q, st)
		}
	}
	if rec := do("reset=0&head_open=1"); rec.Code != http.StatusOK {
		t.Fatalf("reset=0: %d %s", rec.Code, rec.Body)
	}
	if st := s.Info().State; !st.PaperOut || !st.Paused || !st.HeadOpen {
		t.Fatalf("reset=0 cleared flags: %+v", st)
	}
	if rec := do("reset=1&mute=1"); rec.Code != http.StatusOK {
		t.Fatalf("reset=1&mute=1: %d %s", rec.Code, rec.Body)
	}
	if st := s.Info().State; st != (State{Mute: true}) {
		t.Fatalf("after reset=1&mute=1: %+v", st)
	}
}

// TestHeldLabelsSurviveAStoreFailure makes storing fail when a fault
// clears: the held labels stay held and print, in order, once it can.
func TestHeldLabelsSurviveAStoreFailure(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	if err := s.Update(func(st *State) { st.PaperOut = true }); err != nil {
		t.Fatal(err)
	}
	tr := &printers.TCP{Addr: s.Addr()}
	for _, l := range []string{"^XA^FDone^FS^XZ", "^XA^FDtwo^FS^XZ"} {
		if err := tr.Send(context.Background(), []byte(l)); err != nil {
			t.Fatal(err)
		}
	}
	checkFor(t, 10*time.Second, 5*time.Millisecond, func() error {
		if n := s.Info().Held; n != 2 {
			return fmt.Errorf("%d labels held, want 2", n)
		}
		return nil
	})
	// A folder where the first label file goes makes its store fail.
	block := filepath.Join(dir, "000001.zpl")
	if err := os.Mkdir(block, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(st *State) { st.PaperOut = false }); err == nil {
		t.Fatal("store into a blocked path did not fail")
	}
	if info := s.Info(); info.Held != 2 || info.Printed != 0 {
		t.Fatalf("after a failed store: %+v, want both labels still held", info)
	}
	os.Remove(block)
	if err := s.Update(func(st *State) {}); err != nil {
		t.Fatal(err)
	}
	files, _ := s.Labels()
	if len(files) != 2 {
		t.Fatalf("%d label files, want 2", len(files))
	}
	for i, want := range []string{"^XA^FDone^FS^XZ", "^XA^FDtwo^FS^XZ"} {
		if b, _ := os.ReadFile(files[i]); string(b) != want {
			t.Errorf("label %d = %q, want %q", i+1, b, want)
		}
	}
}

// TestStrayFilesInLabelDir checks that files that are not NNNNNN.zpl labels
// neither reset the numbering nor count as labels.
func TestStrayFilesInLabelDir(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"000007.zpl": "^XA^XZ", "000009-copy.zpl": "x", "9x.zpl": "x", "000008.txt": "x"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := start(t, dir)
	if n := s.Info().Printed; n != 7 {
		t.Fatalf("odometer %d, want 7 (from 000007.zpl)", n)
	}
	if err := (&printers.TCP{Addr: s.Addr()}).Send(context.Background(), []byte("^XA^FDnext^FS^XZ")); err != nil {
		t.Fatal(err)
	}
	files, _ := s.Labels()
	if len(files) != 2 || filepath.Base(files[1]) != "000008.zpl" {
		t.Fatalf("label files %v, want 000007.zpl and 000008.zpl", files)
	}
}

// FuzzControl sends arbitrary control queries: never a panic, and a
// refused request leaves the state as it was.
func FuzzControl(f *testing.F) {
	for _, q := range []string{"paper_out=1", "reset=1&mute=1", "bogus=1", "reset=x", "%zz", "paused=0&paused=1", "offline=0"} {
		f.Add(q)
	}
	s, err := New(f.TempDir(), nil)
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, q string) {
		if strings.Contains(q, "offline") {
			return // going offline and back needs a listener; covered above
		}
		before := s.Info().State
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/state", nil)
		req.Method = http.MethodPost
		req.URL.RawQuery = q
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
		case http.StatusBadRequest:
			if after := s.Info().State; after != before {
				t.Fatalf("refused %q changed the state from %+v to %+v", q, before, after)
			}
		default:
			t.Fatalf("POST %q: status %d", q, rec.Code)
		}
	})
}
