// Package scannertest gives tests a real serial device to point scannerd
// at: a pseudo-terminal pair in raw mode. The test writes scans to Master;
// the daemon opens TTY's path through go.bug.st/serial as it would a
// scanner's /dev/ttyACM0.
package scannertest

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal pair standing in for a serial scanner.
type PTY struct {
	// Master is the scanner's side: what is written here is what the
	// scanner sends.
	Master *os.File
	// TTY is the device side; TTY.Name() is the path to configure.
	TTY *os.File
}

// Open makes a pseudo-terminal pair with both sides in raw mode, or the
// line discipline would turn CR into LF and echo.
func Open() (*PTY, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("open a pseudo-terminal: %w", err)
	}
	for _, f := range []*os.File{s, m} {
		// The master side of some systems refuses termios; only the
		// device side's mode matters to the reader.
		if err := MakeRaw(int(f.Fd())); err != nil && f == s {
			m.Close()
			s.Close()
			return nil, fmt.Errorf("raw mode on %s: %w", f.Name(), err)
		}
	}
	return &PTY{Master: m, TTY: s}, nil
}

// Scan writes one scan as a serial scanner sends it, ended by suffix
// (for example "\r").
func (p *PTY) Scan(data, suffix string) error {
	if _, err := p.Master.Write([]byte(data + suffix)); err != nil {
		return fmt.Errorf("write scan %q to %s: %w", data, p.TTY.Name(), err)
	}
	return nil
}

// Close closes both sides: to the reader it is an unplugged scanner.
func (p *PTY) Close() {
	p.Master.Close()
	p.TTY.Close()
}

// MakeRaw puts the terminal fd in raw mode, 8 bits, no parity.
func MakeRaw(fd int) error {
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	tio.Cc[unix.VMIN] = 1
	tio.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, tio)
}
