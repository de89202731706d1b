package scanner

import (
	"bytes"
	"fmt"
	"time"
)

// FrameEnd says how a scanner marks the end of one scan in its byte stream.
type FrameEnd string

// The frame ends a scanner can be configured with.
const (
	// FrameEndAuto ends a scan at CR, LF or CRLF, whichever comes; empty
	// frames between them are skipped. It is the default because it works
	// with every common scanner suffix setting.
	FrameEndAuto FrameEnd = "auto"
	// FrameEndCR ends a scan at a carriage return.
	FrameEndCR FrameEnd = "cr"
	// FrameEndLF ends a scan at a line feed.
	FrameEndLF FrameEnd = "lf"
	// FrameEndCRLF ends a scan at CR LF.
	FrameEndCRLF FrameEnd = "crlf"
	// FrameEndSuffix ends a scan at a configured byte string.
	FrameEndSuffix FrameEnd = "suffix"
	// FrameEndNone means the scanner sends no suffix at all: a scan ends
	// only when the inter-character timeout passes without a byte.
	FrameEndNone FrameEnd = "none"
)

// DefaultMaxFrame is the longest scan in bytes a framer keeps by default.
// The longest GS1 DataMatrix payloads are about 2,300 bytes.
const DefaultMaxFrame = 4096

// Frame is one raw scan as cut from a device's byte or key stream, without
// its suffix.
type Frame struct {
	// Data is the scan's bytes, AIM symbology identifier included.
	Data []byte
	// Cut is true when the scan was longer than the framer's limit: Data
	// then holds only its first bytes and the rest up to the next frame end
	// was thrown away.
	Cut bool
	// Damaged is true when input was lost while the scan was read (the
	// kernel dropped key events), so Data cannot be trusted.
	Damaged bool
}

// Framer cuts a byte stream into scans. It is a pure state machine: bytes
// go in with Feed, time goes in with Tick, so it can be tested and fuzzed
// without a device. It is not safe for concurrent use.
type Framer struct {
	end     FrameEnd
	suffix  []byte
	timeout time.Duration
	max     int

	buf     []byte
	cut     bool // the current frame overflowed max; skip to its end
	last    time.Time
	sawCR   bool // auto mode: the previous byte was CR, so a LF right after it is not a new frame end
	pending bool // buf or cut holds something not yet emitted
}

// FramerConfig configures a Framer.
type FramerConfig struct {
	// End is how a scan ends; the zero value means FrameEndAuto.
	End FrameEnd
	// Suffix is the frame end for FrameEndSuffix.
	Suffix []byte
	// InterCharTimeout, when above zero, ends a scan after that long
	// without a byte, whatever End says.
	InterCharTimeout time.Duration
	// Max is the longest scan in bytes; zero means DefaultMaxFrame.
	Max int
}

// Validate checks c and names the bad field.
func (c FramerConfig) Validate() error {
	switch c.End {
	case "", FrameEndAuto, FrameEndCR, FrameEndLF, FrameEndCRLF:
	case FrameEndSuffix:
		if len(c.Suffix) == 0 {
			return fmt.Errorf("frame_end %q needs a non-empty suffix", c.End)
		}
	case FrameEndNone:
		if c.InterCharTimeout <= 0 {
			return fmt.Errorf("frame_end %q needs inter_char_timeout above zero", c.End)
		}
	default:
		return fmt.Errorf("frame_end %q: want auto, cr, lf, crlf, suffix or none", c.End)
	}
	if c.InterCharTimeout < 0 {
		return fmt.Errorf("inter_char_timeout %s is negative", c.InterCharTimeout)
	}
	if c.Max < 0 {
		return fmt.Errorf("max_frame %d is negative", c.Max)
	}
	return nil
}

// NewFramer returns a Framer for c. An invalid c is an error naming the
// bad field.
func NewFramer(c FramerConfig) (*Framer, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	f := &Framer{end: c.End, timeout: c.InterCharTimeout, max: c.Max}
	if f.end == "" {
		f.end = FrameEndAuto
	}
	if f.max == 0 {
		f.max = DefaultMaxFrame
	}
	switch f.end {
	case FrameEndCR:
		f.suffix = []byte{'\r'}
	case FrameEndLF:
		f.suffix = []byte{'\n'}
	case FrameEndCRLF:
		f.suffix = []byte{'\r', '\n'}
	case FrameEndSuffix:
		f.suffix = bytes.Clone(c.Suffix)
	}
	return f, nil
}

// Feed adds bytes that arrived at now and returns the scans they complete,
// in order. The returned Data slices are fresh copies.
func (f *Framer) Feed(p []byte, now time.Time) []Frame {
	var out []Frame
	if len(p) == 0 {
		return nil
	}
	// Bytes after a silence longer than the timeout start a new scan.
	if fr, ok := f.Tick(now); ok {
		out = append(out, fr)
	}
	f.last = now
	for _, b := range p {
		switch f.end {
		case FrameEndAuto:
			if b == '\r' || b == '\n' {
				skip := b == '\n' && f.sawCR
				f.sawCR = b == '\r'
				if !skip {
					out = f.appendEmit(out)
				}
				continue
			}
			f.sawCR = false
			f.add(b)
		case FrameEndNone:
			f.add(b)
		default:
			f.add(b)
			if f.endsWithSuffix() {
				f.buf = f.buf[:len(f.buf)-len(f.suffix)]
				out = f.appendEmit(out)
			}
		}
	}
	return out
}

// add appends b to the current frame, or marks it cut when it is full.
// While cut, only the last len(suffix)-1 bytes are kept beyond max so that
// a suffix split across the limit is still found.
func (f *Framer) add(b byte) {
	f.pending = true
	if len(f.buf) < f.max+len(f.suffix) {
		f.buf = append(f.buf, b)
		return
	}
	f.cut = true
	if len(f.suffix) == 0 {
		return
	}
	// Keep the tail that might begin the suffix.
	keep := f.buf[f.max:]
	copy(keep, keep[1:])
	keep[len(keep)-1] = b
}

func (f *Framer) endsWithSuffix() bool {
	return len(f.suffix) > 0 && bytes.HasSuffix(f.buf, f.suffix)
}

// appendEmit appends the current frame to out unless it is empty, and
// resets the framer for the next one. A lone suffix is no scan.
func (f *Framer) appendEmit(out []Frame) []Frame {
	if fr, ok := f.emit(); ok {
		out = append(out, fr)
	}
	return out
}

// emit returns the current frame, false when it is empty, and resets the
// framer for the next one.
func (f *Framer) emit() (Frame, bool) {
	data := f.buf
	cut := f.cut
	if len(data) > f.max {
		data = data[:f.max]
		cut = true
	}
	fr := Frame{Data: bytes.Clone(data), Cut: cut}
	if fr.Data == nil {
		fr.Data = []byte{}
	}
	f.buf = f.buf[:0]
	f.cut = false
	f.pending = false
	return fr, len(fr.Data) > 0 || cut
}

// Tick tells the framer the time is now. When an inter-character timeout
// is set and it has passed since the last byte, the scan in progress is
// complete and returned.
func (f *Framer) Tick(now time.Time) (Frame, bool) {
	if f.timeout <= 0 || !f.pending || now.Sub(f.last) < f.timeout {
		return Frame{}, false
	}
	f.sawCR = false
	return f.emit()
}

// Pending reports whether a scan is in progress.
func (f *Framer) Pending() bool { return f.pending }

// Timeout returns the inter-character timeout, zero when there is none.
func (f *Framer) Timeout() time.Duration { return f.timeout }
