package printers

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Status is a printer's state from its ~HS (host status) reply.
type Status struct {
	PaperOut        bool
	Paused          bool
	HeadOpen        bool
	RibbonOut       bool
	BufferFull      bool
	CorruptRAM      bool
	UnderTemp       bool
	OverTemp        bool
	FormatsInBuffer int // formats received and not yet printed
	LabelsRemaining int // labels left in the current batch
	LabelLengthDots int
}

// Ready reports whether the printer can print now.
func (s Status) Ready() bool { return len(s.Faults()) == 0 }

// Faults lists what stops the printer, in words for the floor.
func (s Status) Faults() []string {
	var f []string
	for _, c := range [...]struct {
		on   bool
		what string
	}{
		{s.PaperOut, "paper out"}, {s.HeadOpen, "head open"}, {s.RibbonOut, "ribbon out"},
		{s.Paused, "paused"}, {s.BufferFull, "buffer full"}, {s.CorruptRAM, "corrupt RAM"},
		{s.UnderTemp, "head too cold"}, {s.OverTemp, "head too hot"},
	} {
		if c.on {
			f = append(f, c.what)
		}
	}
	return f
}

// Idle reports whether the printer holds no unprinted work.
func (s Status) Idle() bool { return s.FormatsInBuffer == 0 && s.LabelsRemaining == 0 }

// String is a one-line summary: "ready" or the faults, and the buffer.
func (s Status) String() string {
	f := s.Faults()
	state := "ready"
	if len(f) > 0 {
		state = strings.Join(f, ", ")
	}
	return fmt.Sprintf("%s (formats in buffer %d, labels remaining %d)", state, s.FormatsInBuffer, s.LabelsRemaining)
}

const (
	stx = 0x02
	etx = 0x03
)

// ParseHostStatus parses the three STX...ETX strings of a ~HS reply:
//
//	aaa,b,c,dddd,eee,f,g,h,iii,j,k,l   (b paper out, c paused, dddd label length,
//	                                    eee formats in buffer, f buffer full,
//	                                    j corrupt RAM, k under temp, l over temp)
//	mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www   (o head open, p ribbon out,
//	                                    uuuuuuuu labels remaining)
//	xxxx,y                             (password, static RAM)
//
// It never panics; a short or malformed reply is ErrBadStatus.
func ParseHostStatus(b []byte) (Status, error) {
	var st Status
	strs, err := splitFrames(b)
	if err != nil {
		return st, err
	}
	s1 := strings.Split(strs[0], ",")
	s2 := strings.Split(strs[1], ",")
	if len(s1) < 12 {
		return st, fmt.Errorf("%w: string 1 has %d fields, want 12", ErrBadStatus, len(s1))
	}
	if len(s2) < 11 {
		return st, fmt.Errorf("%w: string 2 has %d fields, want 11", ErrBadStatus, len(s2))
	}
	flags := []struct {
		v   string
		dst *bool
		nm  string
	}{
		{s1[1], &st.PaperOut, "paper out"}, {s1[2], &st.Paused, "pause"}, {s1[5], &st.BufferFull, "buffer full"},
		{s1[9], &st.CorruptRAM, "corrupt RAM"}, {s1[10], &st.UnderTemp, "under temperature"}, {s1[11], &st.OverTemp, "over temperature"},
		{s2[2], &st.HeadOpen, "head up"}, {s2[3], &st.RibbonOut, "ribbon out"},
	}
	for _, f := range flags {
		switch strings.TrimSpace(f.v) {
		case "0":
		case "1":
			*f.dst = true
		default:
			return Status{}, fmt.Errorf("%w: %s flag %q", ErrBadStatus, f.nm, f.v)
		}
	}
	nums := []struct {
		v   string
		dst *int
		nm  string
	}{
		{s1[3], &st.LabelLengthDots, "label length"}, {s1[4], &st.FormatsInBuffer, "formats in buffer"}, {s2[8], &st.LabelsRemaining, "labels remaining"},
	}
	for _, n := range nums {
		v, err := strconv.Atoi(strings.TrimSpace(n.v))
		if err != nil || v < 0 || v > 99999999 {
			return Status{}, fmt.Errorf("%w: %s %q", ErrBadStatus, n.nm, n.v)
		}
		*n.dst = v
	}
	return st, nil
}

// splitFrames returns the contents of the first three STX...ETX frames.
func splitFrames(b []byte) ([3]string, error) {
	var out [3]string
	for i := range 3 {
		s := bytes.IndexByte(b, stx)
		if s < 0 {
			return out, fmt.Errorf("%w: %d of 3 strings", ErrBadStatus, i)
		}
		e := bytes.IndexByte(b[s+1:], etx)
		if e < 0 {
			return out, fmt.Errorf("%w: string %d has no ETX", ErrBadStatus, i+1)
		}
		out[i] = string(b[s+1 : s+1+e])
		b = b[s+1+e+1:]
	}
	return out, nil
}

// completeHostStatus reports whether b holds three complete frames.
func completeHostStatus(b []byte) bool {
	return bytes.Count(b, []byte{etx}) >= 3
}

// FormatHostStatus writes the ~HS reply for st, as a Zebra printer does
// (used by vprinter and tests).
func FormatHostStatus(st Status) []byte {
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	return fmt.Appendf(nil, "\x02030,%d,%d,%04d,%03d,%d,0,0,000,%d,%d,%d\x03\r\n\x02001,0,%d,%d,0,2,4,0,%08d,1,000\x03\r\n\x021234,0\x03\r\n",
		b(st.PaperOut), b(st.Paused), st.LabelLengthDots, st.FormatsInBuffer, b(st.BufferFull), b(st.CorruptRAM), b(st.UnderTemp), b(st.OverTemp),
		b(st.HeadOpen), b(st.RibbonOut), st.LabelsRemaining)
}

// odometerQuery is the SGD command Link-OS printers answer with the
// lifetime count of printed labels, as a quoted number.
const odometerQuery = "! U1 getvar \"odometer.total_label_count\"\r\n"

// parseOdometer parses a getvar reply such as "1234" (quotes included).
func parseOdometer(b []byte) (int64, bool) {
	s := strings.TrimSpace(string(b))
	if len(s) < 3 || s[0] != '"' || s[len(s)-1] != '"' {
		return 0, false
	}
	n, err := strconv.ParseInt(s[1:len(s)-1], 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
