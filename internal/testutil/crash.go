package testutil

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// KillMidStride runs this test binary again as a child with env added
// (the package's TestMain turns such a child into a worker that prints a
// line for each thing it has durably done), waits for `after` lines,
// sleeps up to maxPause more, and kills it with SIGKILL. Every line the
// child printed, before and after the kill, goes to onLine. The test
// fails if the child stops by itself before the kill or prints nothing.
func KillMidStride(t testing.TB, env []string, after int, maxPause time.Duration, onLine func(string)) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	got := 0
	deadline := time.After(30 * time.Second)
wait:
	for got < after {
		select {
		case l, ok := <-lines:
			if !ok {
				cmd.Wait()
				t.Fatalf("the child stopped by itself: %s", stderr.String())
			}
			onLine(l)
			got++
		case <-deadline:
			break wait
		}
	}
	if maxPause > 0 {
		time.Sleep(time.Duration(rand.Int64N(int64(maxPause))))
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for l := range lines {
		onLine(l)
		got++
	}
	cmd.Wait()
	if got == 0 {
		t.Fatalf("the child printed nothing: %s", stderr.String())
	}
}
