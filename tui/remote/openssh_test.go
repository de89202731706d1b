package remote

import (
	"context"
	"encoding/pem"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/packline/packline/internal/sshtest"
	gossh "golang.org/x/crypto/ssh"
)

// opensshKey writes a private key file for OpenSSH's client and returns
// its path and the key.
func opensshKey(t *testing.T, dir, name string) (string, sshtest.Key) {
	t.Helper()
	k := sshtest.NewKey(t, name)
	block, err := gossh.MarshalPrivateKey(k.Private, name)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, k
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
	sshtest.Output
}

func startPtySSH(t *testing.T, args ...string) *ptySSH {
	t.Helper()
	cmd := exec.Command("ssh", args...)
	pt, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	p := &ptySSH{cmd: cmd, pt: pt}
	go p.Collect(pt)
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); pt.Close() })
	return p
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
	ts.srv.AddKey(RoleOperator, kp.Signer.PublicKey(), "olga")

	first := startPtySSH(t, sshArgs(keyPath, ts.addr, "-tt", "-l", "olga")...)
	first.WaitFor(t, "operator olga typed=[]")
	io.WriteString(first.pt, "tote42")
	first.WaitFor(t, "typed=[tote42]")
	first.cmd.Process.Signal(syscall.SIGKILL) // the handheld drops off the network
	first.cmd.Wait()

	second := startPtySSH(t, sshArgs(keyPath, ts.addr, "-tt", "-l", "olga")...)
	second.WaitFor(t, "typed=[tote42]")

	run := func(args ...string) (string, error) {
		// A forward the server wrongly allowed would keep ssh running.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "ssh", args...).CombinedOutput()
		return string(out), err
	}
	// A live target that greets whoever reaches it: a forward the server
	// allowed would print the greeting.
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	go func() {
		for {
			conn, err := target.Accept()
			if err != nil {
				return
			}
			io.WriteString(conn, "forwarded-hello\n")
			conn.Close()
		}
	}()
	if out, err := run(append(sshArgs(keyPath, ts.addr, "-l", "olga"), "cat", "/etc/passwd")...); err == nil || strings.Contains(out, "root:") {
		t.Fatalf("exec was served: %v %q", err, out)
	}
	// -W asks for a direct-tcpip channel (what -L uses per connection);
	// -R asks the server to listen for us.
	if out, err := run(sshArgs(keyPath, ts.addr, "-l", "olga", "-W", target.Addr().String())...); err == nil ||
		!strings.Contains(out, "forwarding failed") || strings.Contains(out, "forwarded-hello") {
		t.Fatalf("a local forward was accepted: %v %q", err, out)
	}
	if out, err := run(sshArgs(keyPath, ts.addr, "-l", "olga", "-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:"+target.Addr().String())...); err == nil ||
		!strings.Contains(out, "forwarding failed") {
		t.Fatalf("a remote forward was accepted: %v %q", err, out)
	}
	// BatchMode keeps ssh from typing a password (x/crypto's client does
	// that in TestRefusals); what the server offers must be publickey alone.
	if out, err := run(sshArgs("/dev/null", ts.addr, "-l", "olga", "-o", "PreferredAuthentications=password,keyboard-interactive")...); err == nil ||
		!strings.Contains(out, "Permission denied (publickey)") {
		t.Fatalf("password login: %v %q", err, out)
	}
}
