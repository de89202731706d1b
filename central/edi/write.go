package edi

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/packline/packline/oms"
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
	// TA1 segments go after the ISA, before the groups: the answers to
	// interchanges received (InterchangeAck.Segment). With no groups the
	// interchange is the TA1s alone, IEA01 0.
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
// counts. X12 has no escape character, so it refuses element data (and
// the ISA sender and receiver) holding one of the interchange's
// delimiters (element separator, component separator, segment
// terminator) or a CR or LF, with a *DelimiterError naming the segment,
// its position, the element and the character. Version 00401 has no
// repetition separator (ISA11 is the standards identifier U), so there is
// none to refuse. Clean makes free text safe first.
func (o *Outgoing) Write() ([]byte, error) {
	d := o.Delims
	if d.Element == 0 {
		d = DefaultDelimiters
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("write interchange: %w", err)
	}
	if o.Control < 1 || o.Control > 999999999 {
		return nil, fmt.Errorf("write interchange: control number %d is not 1 to 999999999", o.Control)
	}
	for _, p := range []struct {
		name     string
		p        Party
		qual, id int // their ISA elements
	}{{"sender", o.From, 5, 6}, {"receiver", o.To, 7, 8}} {
		if len(p.p.Qual) != 2 || p.p.ID == "" || len(p.p.ID) > 15 {
			return nil, fmt.Errorf("write interchange: %s %s/%s: want a 2-character qualifier and a 1-15 character ID", p.name, p.p.Qual, p.p.ID)
		}
		isa := Segment{ID: "ISA", Line: 1}
		if err := d.refuse(isa, p.qual, p.p.Qual); err != nil {
			return nil, fmt.Errorf("write interchange: %s: %w", p.name, err)
		}
		if err := d.refuse(isa, p.id, p.p.ID); err != nil {
			return nil, fmt.Errorf("write interchange: %s: %w", p.name, err)
		}
		if strings.TrimSpace(p.p.app()) == "" {
			return nil, fmt.Errorf("write interchange: %s %s: the GS application code is blank", p.name, p.p.ID)
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
		at.Format("060102"), at.Format("1504"), "U", "00401", ctl, ack, usage}
	b.WriteString("ISA")
	for _, f := range isa {
		b.WriteByte(d.Element)
		b.WriteString(f)
	}
	b.WriteByte(d.Element)
	b.WriteByte(d.Component) // ISA16 is one byte, whatever its value
	b.WriteByte(d.Segment)
	b.WriteString(d.Suffix)
	w := &segWriter{b: &b, d: d, line: 1}
	for _, s := range o.TA1 {
		if s.ID != "TA1" {
			return nil, fmt.Errorf("write interchange: segment %s among the TA1s after the ISA", s.ID)
		}
		if err := w.write(s); err != nil {
			return nil, err
		}
	}
	for gi, g := range o.Groups {
		if len(g.FunctionalID) != 2 || !isAlnum(g.FunctionalID[0]) || !isAlnum(g.FunctionalID[1]) {
			return nil, fmt.Errorf("write group %d: functional ID (GS01) %q is not 2 letters or digits", gi+1, g.FunctionalID)
		}
		if len(g.SetID) != 3 || !oms.AllDigits(g.SetID) {
			return nil, fmt.Errorf("write group %d: transaction set ID (ST01) %q is not 3 digits", gi+1, g.SetID)
		}
		// GS06 is at most 9 digits: the interchange's number, or with
		// several groups its last 8 digits and the group's place.
		if len(o.Groups) > 9 {
			return nil, fmt.Errorf("write interchange: %d groups, at most 9 in one interchange", len(o.Groups))
		}
		gctl := fmt.Sprint(o.Control%100000000*10 + int64(gi) + 1)
		if len(o.Groups) == 1 {
			gctl = fmt.Sprint(o.Control)
		}
		if err := w.write(Seg("GS", g.FunctionalID, o.From.app(), o.To.app(), at.Format("20060102"), at.Format("1504"), gctl, "X", "004010")); err != nil {
			return nil, err
		}
		for si, body := range g.Sets {
			stctl := fmt.Sprintf("%04d", si+1)
			w.setPos = 1
			if err := w.write(Seg("ST", g.SetID, stctl)); err != nil {
				return nil, err
			}
			for _, s := range body {
				if envelopeIDs[s.ID] {
					return nil, fmt.Errorf("write %s set %d: segment %s belongs to the envelope, not inside a transaction set", g.SetID, si+1, s.ID)
				}
				if err := w.write(s); err != nil {
					return nil, fmt.Errorf("write %s set %d: %w", g.SetID, si+1, err)
				}
			}
			if err := w.write(Seg("SE", fmt.Sprint(len(body)+2), stctl)); err != nil {
				return nil, err
			}
			w.setPos = 0
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

// envelopeIDs are the segments a reader takes as envelope wherever they
// stand: inside a set they would end it.
var envelopeIDs = map[string]bool{"ISA": true, "IEA": true, "GS": true, "GE": true, "ST": true, "SE": true}

// check refuses delimiters a reader could not find again: each differs
// from the others and is not a letter, a digit, a space or NUL; CR and LF
// are layout, allowed only as the segment terminator, and Suffix holds
// nothing else.
func (d Delimiters) check() error {
	for _, c := range []struct {
		name string
		b    byte
	}{{"element separator", d.Element}, {"component separator", d.Component}, {"segment terminator", d.Segment}} {
		layout := c.b == '\r' || c.b == '\n'
		if isAlnum(c.b) || c.b == ' ' || c.b == 0 || layout && c.name != "segment terminator" {
			return fmt.Errorf("the %s %q cannot be told from data", c.name, c.b)
		}
	}
	if d.Element == d.Component || d.Element == d.Segment || d.Component == d.Segment {
		return fmt.Errorf("element separator %q, component separator %q and segment terminator %q must differ", d.Element, d.Component, d.Segment)
	}
	if strings.Trim(d.Suffix, "\r\n") != "" {
		return fmt.Errorf("the suffix after each segment, %q, is not CR and LF only", d.Suffix)
	}
	return nil
}

// refuse returns a *DelimiterError when v, element el of s, holds one of
// d's delimiters, a CR or a LF.
func (d Delimiters) refuse(s Segment, el int, v string) error {
	for _, c := range []struct {
		name string
		b    byte
	}{{"element separator", d.Element}, {"component separator", d.Component}, {"segment terminator", d.Segment}, {"carriage return", '\r'}, {"line feed", '\n'}} {
		if strings.IndexByte(v, c.b) >= 0 {
			return &DelimiterError{Segment: s.ID, Line: s.Line, SetPos: s.SetPos, Element: el, Value: v, Char: c.b, Delimiter: c.name}
		}
	}
	return nil
}

type segWriter struct {
	b *bytes.Buffer
	d Delimiters
	// line counts the segments written, the ISA being 1; setPos is the
	// position in the open transaction set, ST being 1 (0 outside one).
	line, setPos int
}

func (w *segWriter) write(s Segment) error {
	els := s.Elements
	for len(els) > 0 && els[len(els)-1] == "" {
		els = els[:len(els)-1]
	}
	w.line++
	s.Line, s.SetPos = w.line, w.setPos
	if w.setPos > 0 {
		w.setPos++
	}
	if !validSegID(s.ID) {
		return fmt.Errorf("segment %d: %q is not a segment ID (2 or 3 capital letters and digits)", s.Line, s.ID)
	}
	for i, e := range els {
		if err := w.d.refuse(s, i+1, e); err != nil {
			return err
		}
	}
	w.b.WriteString(s.ID)
	for _, e := range els {
		w.b.WriteByte(w.d.Element)
		w.b.WriteString(e)
	}
	w.b.WriteByte(w.d.Segment)
	w.b.WriteString(w.d.Suffix)
	return nil
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
