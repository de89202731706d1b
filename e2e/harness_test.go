package e2e

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/packline/packline/scanner/scannertest"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds omsd, vprinter, scannerd and station once per test run.
func binaries(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Dir(filepath.Dir(file))
		binDir, buildErr = os.MkdirTemp("", "packline-e2e-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator), "./cmd/omsd", "./cmd/vprinter", "./cmd/scannerd", "./cmd/station")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// freePort returns a loopback port nobody listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is a started background process with its log.
type proc struct {
	cmd *exec.Cmd
	log string
}

func startProc(t testing.TB, logPath string, name string, args ...string) *proc {
	t.Helper()
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p := &proc{cmd: cmd, log: logPath}
	t.Cleanup(func() { p.stop() })
	return p
}

// stop ends the process with SIGTERM (SIGKILL after 10s) and waits.
func (p *proc) stop() {
	if p.cmd.Process == nil || p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// checkFor polls fn every interval until it returns nil or total passes.
func checkFor(t testing.TB, total, every time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	var err error
	for {
		if err = fn(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", total, err)
		}
		time.Sleep(every)
	}
}

func waitHTTP(t testing.TB, url string, p *proc) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer; log:\n%s", url, p.tail())
}

func waitPort(t testing.TB, addr string, p *proc) {
	t.Helper()
	checkFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s: %v; log:\n%s", addr, err, p.tail())
		}
		c.Close()
		return nil
	})
}

// newScannerPTY is the pseudo-terminal scannerd reads as a serial
// scanner (raw mode, closed when the test ends).
func newScannerPTY(t testing.TB) *scannertest.PTY {
	t.Helper()
	p, err := scannertest.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// scan writes one barcode into p as a serial scanner sends it: the data and CR.
func scan(t testing.TB, p *scannertest.PTY, code string) {
	t.Helper()
	if err := p.Scan(code, "\r"); err != nil {
		t.Fatal(err)
	}
}

// tmux runs commands on a private tmux server.
type tmux struct {
	t      testing.TB
	socket string
}

func newTmux(t testing.TB) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: run `make testdeps` (scripts/testdeps.d/tmux.sh)")
	}
	tm := &tmux{t: t, socket: fmt.Sprintf("packline-e2e-%d", os.Getpid())}
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	return tm
}

func (tm *tmux) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// waitScreen polls capture-pane of the station's session until the
// screen holds every text.
func (tm *tmux) waitScreen(total time.Duration, texts ...string) string {
	tm.t.Helper()
	return tm.waitPane("station", total, texts...)
}

// waitPane polls capture-pane of the tmux session target until the
// screen holds every text.
func (tm *tmux) waitPane(target string, total time.Duration, texts ...string) string {
	tm.t.Helper()
	var screen string
	deadline := time.Now().Add(total)
	for {
		screen = tm.run("capture-pane", "-p", "-t", target)
		ok := true
		for _, s := range texts {
			if !strings.Contains(screen, s) {
				ok = false
			}
		}
		if ok {
			return screen
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never showed %q:\n%s", texts, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sshKeygen makes an ed25519 key pair with Debian's ssh-keygen at path
// (and path.pub) and returns the public key's authorized_keys line.
func sshKeygen(t testing.TB, path, comment string) string {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Fatal("OpenSSH's ssh is not installed: run `make testdeps` (scripts/testdeps.d/openssh.sh)")
	}
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return string(pub)
}

// sshCommand is the OpenSSH client command line for an interactive
// session on the station's SSH port as user with the key at keyPath.
func sshCommand(keyPath, addr, user string) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("ssh -tt -F /dev/null -i %s -p %s -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "+
		"-o BatchMode=yes -o IdentitiesOnly=yes -o LogLevel=ERROR %s@%s; sleep 600", keyPath, port, user, host)
}

func grepFiles(dir, text string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && bytes.Contains(b, []byte(text)) {
			n++
		}
	}
	return n, nil
}
