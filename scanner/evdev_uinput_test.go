package scanner

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// uinput requests from linux/uinput.h.
const (
	uiSetEvBit  = 0x40045564 // _IOW('U', 100, int)
	uiSetKeyBit = 0x40045565 // _IOW('U', 101, int)
	uiDevSetup  = 0x405c5503 // _IOW('U', 3, struct uinput_setup)
	uiDevCreate = 0x5501     // _IO('U', 1)
	uiDevDestry = 0x5502     // _IO('U', 2)
	uiGetSysnm  = 0x8040552c // UI_GET_SYSNAME(64)
)

// uinputKeyboard is a virtual keyboard made through /dev/uinput.
type uinputKeyboard struct {
	f       *os.File
	devnode string
}

func newUinputKeyboard(t *testing.T) *uinputKeyboard {
	t.Helper()
	f, err := os.OpenFile("/dev/uinput", os.O_WRONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Skipf("cannot open /dev/uinput: %v", err)
	}
	fd := f.Fd()
	if err := unix.IoctlSetInt(int(fd), uiSetEvBit, evKey); err != nil {
		f.Close()
		t.Skipf("uinput UI_SET_EVBIT: %v", err)
	}
	for code := 1; code < 128; code++ {
		if err := unix.IoctlSetInt(int(fd), uiSetKeyBit, code); err != nil {
			f.Close()
			t.Fatalf("uinput UI_SET_KEYBIT %d: %v", code, err)
		}
	}
	// struct uinput_setup: struct input_id {bustype, vendor, product,
	// version}, char name[80], __u32 ff_effects_max.
	var setup [92]byte
	*(*[4]uint16)(unsafe.Pointer(&setup[0])) = [4]uint16{0x03, 0x0c2e, 0x0b61, 1} // BUS_USB, a Honeywell id
	copy(setup[8:], "packline test scanner")
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, uiDevSetup, uintptr(unsafe.Pointer(&setup[0]))); errno != 0 {
		f.Close()
		t.Skipf("uinput UI_DEV_SETUP: %v", errno)
	}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, uiDevCreate, 0); errno != 0 {
		f.Close()
		t.Skipf("uinput UI_DEV_CREATE: %v", errno)
	}
	k := &uinputKeyboard{f: f}
	t.Cleanup(func() {
		unix.Syscall(unix.SYS_IOCTL, fd, uiDevDestry, 0)
		f.Close()
	})
	var name [64]byte
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, uiGetSysnm, uintptr(unsafe.Pointer(&name[0]))); errno != 0 {
		t.Skipf("uinput UI_GET_SYSNAME: %v", errno)
	}
	sys := filepath.Join("/sys/devices/virtual/input", string(bytes.TrimRight(name[:], "\x00")))
	checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		entries, err := os.ReadDir(sys)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "event") {
				node := "/dev/input/" + e.Name()
				if _, err := os.Stat(node); err != nil {
					return err
				}
				k.devnode = node
				return nil
			}
		}
		return fmt.Errorf("no event node under %s yet", sys)
	})
	return k
}

func (k *uinputKeyboard) key(t *testing.T, code uint16, value int32) {
	t.Helper()
	var b []byte
	b = appendInputEvent(b, InputEvent{Type: evKey, Code: code, Value: value}, time.Time{})
	b = appendInputEvent(b, InputEvent{}, time.Time{}) // SYN_REPORT
	if _, err := k.f.Write(b); err != nil {
		t.Fatalf("write uinput: %v", err)
	}
}

// TestHIDUinput makes a real virtual keyboard and reads a scan from it
// through the daemon. It needs /dev/uinput (and the rights to use it).
func TestHIDUinput(t *testing.T) {
	if _, err := os.Stat("/dev/uinput"); err != nil {
		t.Skip("/dev/uinput is absent on this machine, so the real-device HID test cannot run; the recorded event tests cover the evdev path")
	}
	k := newUinputKeyboard(t)
	// A second reader stands in for the console: once the daemon has
	// grabbed the device (EVIOCGRAB), it must see none of the keystrokes.
	// A raw non-blocking descriptor: os.File would park the read in the
	// poller instead of answering EAGAIN.
	console, err := unix.Open(k.devnode, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s as a second reader: %v", k.devnode, err)
	}
	defer unix.Close(console)
	dir := shortTempDir(t)
	cfg := testConfig(dir)
	cfg.HID = []HIDConfig{{Name: "hid1", Path: k.devnode, Layout: "us"}}
	startDaemon(t, cfg)
	c := dialTest(t, cfg.Socket)
	waitStatus(t, c, "hid1", StateUp)
	// "]C1" then "01" then GS as Ctrl+] then "10A" and Enter.
	typeKey := func(code uint16, mods ...uint16) {
		for _, m := range mods {
			k.key(t, m, 1)
		}
		k.key(t, code, 1)
		k.key(t, code, 0)
		for _, m := range mods {
			k.key(t, m, 0)
		}
	}
	typeKey(keyRightBrace)
	typeKey(46, keyLeftShift)
	typeKey(2)
	typeKey(11)
	typeKey(2)
	typeKey(keyRightBrace, keyLeftCtrl)
	typeKey(2)
	typeKey(11)
	typeKey(30, keyLeftShift)
	typeKey(keyEnter)
	wantScan(t, c, "]C101\x1d10A")
	buf := make([]byte, 24*64)
	if n, err := unix.Read(console, buf); n > 0 {
		t.Fatalf("the console saw %d bytes of key events: the scanner was not grabbed", n)
	} else if !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("read from the second reader: %v, want EAGAIN (no events)", err)
	}
}
