package remote

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	stdsync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"
)

// opensshKey writes a private key file for OpenSSH's client and returns
// its path and its authorized_keys line.
func opensshKey(t *testing.T, dir, name string) (string, keyPair) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, name)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, _ := gossh.NewSignerFromKey(priv)
	return path, keyPair{signer: signer, line: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + name + "\n"}
}

func sshArgs(keyPath, addr string, extra ...string) []string {
	host, port, _ := net.SplitHostPort(addr)
	args := []string{"-i", keyPath, "-p", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-F", "/dev/null"}
	args = append(args, extra...)
	return append(args, host)
}

// ptySSH runs OpenSSH's client on a pseudo-terminal, as a person would.
type ptySSH struct {
	cmd *exec.Cmd
	pt  *os.File
	mu  stdsync.Mutex
	out bytes.Buffer
}

func startPtySSH(t *testing.T, args ...string) *ptySSH {
	t.Helper()
	cmd := exec.Command("ssh", args...)
	pt, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	p := &ptySSH{cmd: cmd, pt: pt}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := pt.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); pt.Close() })
	return p
}

func (p *ptySSH) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		ok := bytes.Contains(p.out.Bytes(), []byte(text))
		p.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t.Fatalf("%q never appeared; got %q", text, p.out.String())
}

// TestOpenSSHClient: Debian's OpenSSH client against the server on
// loopback: an interactive session works and survives the client being
// killed; exec, port forwarding and passwords are refused.
func TestOpenSSHClient(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Fatal("OpenSSH's ssh not found: run scripts/testdeps.sh (installs Debian's openssh-client)")
	}
	ts := startServer(t, time.Minute)
	dir := t.TempDir()
	keyPath, kp := opensshKey(t, dir, "olga")
	ts.srv.AddKey(RoleOperator, kp.signer.PublicKey(), "olga")

	first := startPtySSH(t, sshArgs(keyPath, ts.addr, "-tt", "-l", "olga")...)
	first.waitFor(t, "operator olga typed=[]")
	io.WriteString(first.pt, "tote42")
	first.waitFor(t, "typed=[tote42]")
	first.cmd.Process.Signal(syscall.SIGKILL) // the handheld drops off the network
	first.cmd.Wait()

	second := startPtySSH(t, sshArgs(keyPath, ts.addr, "-tt", "-l", "olga")...)
	second.waitFor(t, "typed=[tote42]")

	run := func(args ...string) (string, error) {
		out, err := exec.Command("ssh", args...).CombinedOutput()
		return string(out), err
	}
	if out, err := run(append(sshArgs(keyPath, ts.addr, "-l", "olga"), "cat", "/etc/passwd")...); err == nil || strings.Contains(out, "root:") {
		t.Fatalf("exec was served: %v %q", err, out)
	}
	// -W asks for a direct-tcpip channel (what -L uses per connection);
	// -R asks the server to listen for us.
	if out, err := run(sshArgs(keyPath, ts.addr, "-l", "olga", "-W", "127.0.0.1:9")...); err == nil || !strings.Contains(out, "forwarding failed") {
		t.Fatalf("a local forward was accepted: %v %q", err, out)
	}
	if out, err := run(sshArgs(keyPath, ts.addr, "-l", "olga", "-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:9")...); err == nil ||
		!strings.Contains(out, "forwarding failed") {
		t.Fatalf("a remote forward was accepted: %v %q", err, out)
	}
	if out, err := run(sshArgs("/dev/null", ts.addr, "-l", "olga", "-o", "PreferredAuthentications=password,keyboard-interactive")...); err == nil ||
		!strings.Contains(out, "Permission denied") {
		t.Fatalf("password login: %v %q", err, out)
	}
}
