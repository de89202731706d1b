package edi

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Party identifies one side of an interchange: the ISA qualifier and ID
// and the GS application code.
type Party struct {
	Qual string // ISA05/ISA07, e.g. "ZZ" mutually defined, "01" DUNS
	ID   string // ISA06/ISA08, up to 15 characters
	// App is GS02/GS03; the ISA ID when empty.
	App string
}

func (p Party) app() string {
	if p.App != "" {
		return p.App
	}
	return p.ID
}

// Outgoing is one interchange to write: who from and to, its control
// number, and the groups in it.
type Outgoing struct {
	From, To Party
	// Control is the ISA13 and GS06 control number (1 to 999999999).
	Control int64
	At      time.Time
	// Test sets ISA15 to T.
	Test bool
	// AckRequested sets ISA14 to 1 (a TA1 is wanted).
	AckRequested bool
	Groups       []OutGroup
	// Delims default to DefaultDelimiters when zero.
	Delims Delimiters
	// TA1 segments go after the ISA, before the groups.
	TA1 []Segment
}

// OutGroup is a functional group to write; each set is its body (the
// segments between ST and SE).
type OutGroup struct {
	FunctionalID string // PO, PR, SH, FA
	SetID        string // 850, 855, 856, 997
	Sets         [][]Segment
}

// Write renders the interchange with its envelopes, control numbers and
// counts. It refuses element data that contains a delimiter; Clean
// makes free text safe first.
func (o *Outgoing) Write() ([]byte, error) {
	d := o.Delims
	if d.Element == 0 {
		d = DefaultDelimiters
	}
	if o.Control < 1 || o.Control > 999999999 {
		return nil, fmt.Errorf("write interchange: control number %d is not 1 to 999999999", o.Control)
	}
	for _, p := range []struct {
		name string
		p    Party
	}{{"sender", o.From}, {"receiver", o.To}} {
		if len(p.p.Qual) != 2 || p.p.ID == "" || len(p.p.ID) > 15 {
			return nil, fmt.Errorf("write interchange: %s %s/%s: want a 2-character qualifier and a 1-15 character ID", p.name, p.p.Qual, p.p.ID)
		}
	}
	at := o.At.UTC()
	usage, ack := "P", "0"
	if o.Test {
		usage = "T"
	}
	if o.AckRequested {
		ack = "1"
	}
	ctl := fmt.Sprintf("%09d", o.Control)
	var b bytes.Buffer
	isa := []string{"00", pad("", 10), "00", pad("", 10), o.From.Qual, pad(o.From.ID, 15), o.To.Qual, pad(o.To.ID, 15),
		at.Format("060102"), at.Format("1504"), "U", "00401", ctl, ack, usage, string(rune(d.Component))}
	b.WriteString("ISA")
	for _, f := range isa {
		b.WriteByte(d.Element)
		b.WriteString(f)
	}
	b.WriteByte(d.Segment)
	b.WriteString(d.Suffix)
	w := &segWriter{b: &b, d: d}
	for _, s := range o.TA1 {
		if err := w.write(s); err != nil {
			return nil, err
		}
	}
	for gi, g := range o.Groups {
		gctl := fmt.Sprint(o.Control*10 + int64(gi) + 1)
		if len(o.Groups) == 1 {
			gctl = fmt.Sprint(o.Control)
		}
		if err := w.write(Seg("GS", g.FunctionalID, o.From.app(), o.To.app(), at.Format("20060102"), at.Format("1504"), gctl, "X", "004010")); err != nil {
			return nil, err
		}
		for si, body := range g.Sets {
			stctl := fmt.Sprintf("%04d", si+1)
			if err := w.write(Seg("ST", g.SetID, stctl)); err != nil {
				return nil, err
			}
			for _, s := range body {
				if err := w.write(s); err != nil {
					return nil, fmt.Errorf("write %s set %d: %w", g.SetID, si+1, err)
				}
			}
			if err := w.write(Seg("SE", fmt.Sprint(len(body)+2), stctl)); err != nil {
				return nil, err
			}
		}
		if err := w.write(Seg("GE", fmt.Sprint(len(g.Sets)), gctl)); err != nil {
			return nil, err
		}
	}
	if err := w.write(Seg("IEA", fmt.Sprint(len(o.Groups)), ctl)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type segWriter struct {
	b *bytes.Buffer
	d Delimiters
}

func (w *segWriter) write(s Segment) error {
	els := s.Elements
	for len(els) > 0 && els[len(els)-1] == "" {
		els = els[:len(els)-1]
	}
	w.b.WriteString(s.ID)
	for i, e := range els {
		if strings.IndexByte(e, w.d.Element) >= 0 || strings.IndexByte(e, w.d.Segment) >= 0 ||
			strings.ContainsAny(e, "\r\n") {
			return fmt.Errorf("segment %s element %s%02d: %q contains a delimiter", s.ID, s.ID, i+1, e)
		}
		w.b.WriteByte(w.d.Element)
		w.b.WriteString(e)
	}
	w.b.WriteByte(w.d.Segment)
	w.b.WriteString(w.d.Suffix)
	return nil
}

// Composite joins the components of a composite element.
func (d Delimiters) Composite(parts ...string) string {
	return strings.Join(parts, string(rune(d.Component)))
}

// Clean makes free text (names, streets) safe for an element: the
// delimiters Packline writes and control characters become spaces, and it
// is cut to max bytes.
func Clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20, r == 0x7f, r == '*', r == '~', r == '>', r == '|', r == ':', r == '^':
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut-- // never split a character
		}
		s = strings.TrimSpace(s[:cut])
	}
	return s
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat(" ", n-len(s))
}
