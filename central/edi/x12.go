package edi

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/packline/packline/oms"
)

// Delimiters are the separators of one interchange. A received
// interchange's come from its ISA: the element separator is the byte after
// "ISA", the component (sub-element) separator is ISA16 and the segment
// terminator is the byte after ISA16.
type Delimiters struct {
	Element   byte
	Component byte
	Segment   byte
	// Suffix is written after each segment terminator for people reading
	// the file: "", "\n" or "\r\n". Readers skip any CR and LF there.
	Suffix string
}

// DefaultDelimiters are what Packline writes: `*`, `>` and `~`, one
// segment a line.
var DefaultDelimiters = Delimiters{Element: '*', Component: '>', Segment: '~', Suffix: "\n"}

// Segment is one segment: its ID and its elements, Elements[0] being
// element 01.
type Segment struct {
	ID       string
	Elements []string
	// Line is the segment's position in the file, counting from 1.
	Line int
	// SetPos is its position in its transaction set, ST being 1 (0
	// outside a set).
	SetPos int
}

// El returns element n (1-based), or "" when the segment is shorter.
func (s Segment) El(n int) string {
	if n < 1 || n > len(s.Elements) {
		return ""
	}
	return s.Elements[n-1]
}

// Seg builds a segment from its ID and elements.
func Seg(id string, elements ...string) Segment { return Segment{ID: id, Elements: elements} }

// Envelope is the ISA header of an interchange.
type Envelope struct {
	AuthQual     string // ISA01
	AuthInfo     string // ISA02
	SecQual      string // ISA03
	SecInfo      string // ISA04
	SenderQual   string // ISA05
	SenderID     string // ISA06, without its padding
	ReceiverQual string // ISA07
	ReceiverID   string // ISA08, without its padding
	Date         string // ISA09 YYMMDD
	Time         string // ISA10 HHMM
	Standards    string // ISA11, "U"
	Version      string // ISA12, "00401"
	Control      string // ISA13, nine digits
	AckRequested string // ISA14, "0" or "1"
	Usage        string // ISA15, "P" production or "T" test
}

// Interchange is a parsed ISA ... IEA envelope.
type Interchange struct {
	ISA    Envelope
	Delims Delimiters
	// TA1 are the interchange acknowledgments it carries, between the
	// ISA and the first GS: the sender answering interchanges it
	// received.
	TA1    []InterchangeAck
	Groups []Group
	// Problems are everything wrong with it, envelope and sets; each
	// names its group and set. Parse returns them rather than stopping,
	// so that one 997 can answer them all.
	Problems Errors
}

// Group is a GS ... GE functional group.
type Group struct {
	FunctionalID string // GS01: PO, PR, SH, FA
	Sender       string // GS02
	Receiver     string // GS03
	Date         string // GS04 CCYYMMDD
	Time         string // GS05
	Control      string // GS06
	Agency       string // GS07, "X"
	Version      string // GS08, "004010"
	Sets         []Set
	Line         int
}

// Set is an ST ... SE transaction set, with the ST and SE segments.
type Set struct {
	ID       string // ST01: 850, 855, 856, 997
	Control  string // ST02
	Segments []Segment
	Line     int
}

// Body is the set's segments between ST and SE.
func (s Set) Body() []Segment {
	if len(s.Segments) < 2 {
		return nil
	}
	end := len(s.Segments)
	if s.Segments[end-1].ID == "SE" {
		end--
	}
	return s.Segments[1:end]
}

// isaWidths are the fixed widths of ISA01 ... ISA16.
var isaWidths = [16]int{2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1}

// isaRefs are the data element reference numbers of ISA01 ... ISA16.
var isaRefs = [16]string{"I01", "I02", "I03", "I04", "I05", "I06", "I05", "I07", "I08", "I09", "I10", "I11", "I12", "I13", "I14", "I15"}

// isaNotes are the TA105 codes for a bad ISA01 ... ISA16.
var isaNotes = [16]string{NoteBadAuthQual, NoteBadAuthInfo, NoteBadSecurityQual, NoteBadSecurityInfo, NoteBadSenderQual, NoteBadSenderID,
	NoteBadReceiverQual, NoteBadReceiverID, NoteBadDate, NoteBadTime, NoteBadStandardsID, NoteBadVersion, NoteBadControlNumber,
	NoteBadAckRequested, NoteBadTestIndicator, NoteBadComponentSep}

// ISALength is the length of an ISA segment with its terminator.
const ISALength = 106

// Parse reads an interchange. It returns ErrNotX12 only when data does
// not start with "ISA"; every other problem (a truncated ISA, wrong
// counts, mismatched control numbers, a missing trailer) is recorded in
// Interchange.Problems and parsing goes on as far as it can.
func Parse(data []byte) (*Interchange, error) {
	data = bytes.TrimLeft(data, " \t\r\n\ufeff")
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !bytes.HasPrefix(data, []byte("ISA")) || len(data) < 4 {
		return nil, fmt.Errorf("%w: it does not start with an ISA segment", ErrNotX12)
	}
	ic := &Interchange{}
	isaEnd := ic.readISA(data)
	segs := split(data[isaEnd:], ic.Delims, 2)
	ic.walk(segs)
	return ic, nil
}

func (ic *Interchange) problem(e *SyntaxError) { ic.Problems = append(ic.Problems, e) }

// readISA reads the fixed-width ISA and sets the delimiters; it returns
// where the next segment starts. A malformed ISA is a problem, and the
// delimiters are then guessed so the rest can still be read.
func (ic *Interchange) readISA(data []byte) int {
	d := Delimiters{Element: data[3]}
	fields := make([]string, 16)
	pos := 4
	bad := func(i int, code, note, format string, args ...any) {
		ic.problem(&SyntaxError{Segment: "ISA", Line: 1, Element: i + 1, Ref: isaRefs[i], SegCode: SegElementErrors, ElemCode: code,
			SetCode: SetSegmentsInError, Note: note, Msg: fmt.Sprintf(format, args...), Group: -1, Set: -1})
	}
	ok := true
	for i, w := range isaWidths {
		end := pos + w
		if end > len(data) {
			got := len(data) - pos
			if got < 0 {
				got = 0
			}
			bad(i, ElemMandatoryMissing, NotePrematureEnd, "ISA is truncated: ISA%02d wants %d characters, the data ends after %d", i+1, w, got)
			ok = false
			break
		}
		if i == 15 && end >= len(data) {
			bad(i, ElemMandatoryMissing, NotePrematureEnd, "ISA is truncated: no segment terminator after ISA16")
			ok = false
			break
		}
		field := string(data[pos:end])
		if i < 15 && (end >= len(data) || data[end] != d.Element) {
			// Say how long the element really is.
			n := bytes.IndexByte(data[pos:], d.Element)
			if n < 0 || i == 15 {
				bad(i, ElemTooLong, isaNotes[i], "ISA%02d wants %d characters and an element separator %q after them", i+1, w, d.Element)
			} else if n < w {
				bad(i, ElemTooShort, isaNotes[i], "ISA%02d wants exactly %d characters, got %d (%q)", i+1, w, n, string(data[pos:pos+n]))
			} else {
				bad(i, ElemTooLong, isaNotes[i], "ISA%02d wants exactly %d characters, got %d", i+1, w, n)
			}
			ok = false
			break
		}
		fields[i] = field
		pos = end + 1
	}
	if ok {
		// pos is now one past ISA16 plus one: ISA16 ends at pos-1, and the
		// byte after it (data[pos-1]) was consumed as if a separator.
		d.Component = data[pos-2]
		d.Segment = data[pos-1]
		switch {
		case isAlnum(d.Segment) || d.Segment == ' ':
			bad(15, ElemInvalidChar, NoteBadTerminator, "the segment terminator after ISA16 is %q; want a character that is not a letter, digit or space", d.Segment)
			ok = false
		case d.Element == d.Component:
			bad(15, ElemInvalidChar, NoteBadComponentSep, "element separator %q, component separator %q and segment terminator %q must differ", d.Element, d.Component, d.Segment)
			ok = false
		case d.Segment == d.Element || d.Segment == d.Component:
			bad(15, ElemInvalidChar, NoteBadTerminator, "element separator %q, component separator %q and segment terminator %q must differ", d.Element, d.Component, d.Segment)
			ok = false
		case isAlnum(d.Element) || d.Element == ' ':
			bad(0, ElemInvalidChar, NoteBadElementSep, "the element separator is %q; want a character that is not a letter, digit or space", d.Element)
			ok = false
		}
	}
	if !ok {
		ic.Delims = guessDelims(data, d.Element)
		if fields[15] != "" {
			ic.Delims.Component = fields[15][0]
		}
		// Salvage what fields there are for the 997's addressing.
		parts := strings.Split(string(firstSegment(data, ic.Delims)), string(rune(d.Element)))
		for i := 1; i < len(parts) && i <= 16; i++ {
			fields[i-1] = parts[i]
		}
		ic.ISA = envelopeFrom(fields)
		end := bytes.IndexByte(data, ic.Delims.Segment)
		if end < 0 {
			return len(data)
		}
		return end + 1
	}
	ic.Delims = d
	ic.ISA = envelopeFrom(fields)
	check := func(i int, okv bool, code, format string, args ...any) {
		if !okv {
			bad(i, code, isaNotes[i], format, args...)
		}
	}
	check(8, oms.AllDigits(fields[8]) && validDate("20"+fields[8]), ElemInvalidDate, "ISA09 %q is not a date YYMMDD", fields[8])
	check(9, oms.AllDigits(fields[9]) && validTime(fields[9]), ElemInvalidTime, "ISA10 %q is not a time HHMM", fields[9])
	check(11, fields[11] == "00401", ElemInvalidCode, "ISA12 version %q: only 00401 is read", fields[11])
	check(12, oms.AllDigits(fields[12]), ElemInvalidChar, "ISA13 control number %q is not nine digits", fields[12])
	check(13, fields[13] == "0" || fields[13] == "1", ElemInvalidCode, "ISA14 %q is not 0 or 1", fields[13])
	check(14, fields[14] == "P" || fields[14] == "T", ElemInvalidCode, "ISA15 %q is not P or T", fields[14])
	return ISALength
}

func envelopeFrom(f []string) Envelope {
	t := strings.TrimSpace
	return Envelope{AuthQual: t(f[0]), AuthInfo: t(f[1]), SecQual: t(f[2]), SecInfo: t(f[3]), SenderQual: t(f[4]), SenderID: t(f[5]),
		ReceiverQual: t(f[6]), ReceiverID: t(f[7]), Date: t(f[8]), Time: t(f[9]), Standards: t(f[10]), Version: t(f[11]),
		Control: t(f[12]), AckRequested: t(f[13]), Usage: t(f[14])}
}

// guessDelims finds the segment terminator of an interchange whose ISA is
// malformed: the byte before the first "GS" segment, else '~'.
func guessDelims(data []byte, elem byte) Delimiters {
	d := Delimiters{Element: elem, Component: '>', Segment: '~'}
	i := bytes.Index(data, []byte{'G', 'S', elem})
	for i > 0 {
		c := data[i-1]
		if c == '\r' || (c == '\n' && i >= 2 && !isAlnum(data[i-2]) && data[i-2] != elem && data[i-2] != '\r' && data[i-2] != '\n') {
			i--
			continue
		}
		if c != elem && !isAlnum(c) {
			d.Segment = c
		}
		break
	}
	return d
}

func firstSegment(data []byte, d Delimiters) []byte {
	if i := bytes.IndexByte(data, d.Segment); i >= 0 {
		return data[:i]
	}
	return data
}

// split cuts data into segments; line is the file position of the first.
func split(data []byte, d Delimiters, line int) []Segment {
	var out []Segment
	for len(data) > 0 {
		var raw []byte
		if i := bytes.IndexByte(data, d.Segment); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		// The newline after a terminator, or the CR before a newline
		// terminator, is layout, not data.
		raw = bytes.Trim(raw, "\r\n")
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		parts := strings.Split(string(raw), string(rune(d.Element)))
		if d.Element >= 0x80 {
			parts = splitBytes(raw, d.Element)
		}
		out = append(out, Segment{ID: strings.TrimSpace(parts[0]), Elements: parts[1:], Line: line})
		line++
	}
	return out
}

func splitBytes(raw []byte, sep byte) []string {
	var out []string
	for _, p := range bytes.Split(raw, []byte{sep}) {
		out = append(out, string(p))
	}
	return out
}

// walk builds the groups and sets and checks their envelopes.
func (ic *Interchange) walk(segs []Segment) {
	var g *Group
	var set *Set
	sawIEA := false
	env := func(s Segment, el int, ref, code, setCode, groupCode, format string, args ...any) *SyntaxError {
		e := &SyntaxError{Segment: s.ID, Line: s.Line, Element: el, Ref: ref, SegCode: SegElementErrors, ElemCode: code,
			SetCode: setCode, GroupCode: groupCode, Msg: fmt.Sprintf(format, args...), Group: len(ic.Groups) - 1, Set: -1}
		if el == 0 {
			e.SegCode = ""
		}
		if g == nil {
			e.Group = -1
		}
		ic.problem(e)
		return e
	}
	closeSet := func(at Segment) {
		if set == nil {
			return
		}
		env(at, 0, "", "", SetTrailerMissing, "", "transaction set %s %s has no SE trailer before %s", set.ID, set.Control, at.ID).Set = len(g.Sets) - 1
		set = nil
	}
	closeGroup := func(at Segment) {
		if g == nil {
			return
		}
		env(at, 0, "", "", "", GroupTrailerMissing, "functional group %s has no GE trailer before %s", g.Control, at.ID)
		g = nil
	}
	for _, s := range segs {
		if !validSegID(s.ID) {
			e := &SyntaxError{Segment: s.ID, Line: s.Line, SegCode: SegUnrecognized, SetCode: SetSegmentsInError,
				Msg: fmt.Sprintf("%q is not a segment ID", s.ID), Group: -1, Set: -1}
			if g != nil {
				e.Group = len(ic.Groups) - 1
			} else {
				e.Note = NoteBadContent
			}
			if set != nil {
				e.Set = len(g.Sets) - 1
				set.Segments = append(set.Segments, s)
				e.SetPos = len(set.Segments)
			}
			ic.problem(e)
			continue
		}
		if sawIEA {
			env(s, 0, "", "", "", "", "segment %s after the IEA trailer", s.ID).Note = NoteBadStructure
			continue
		}
		if s.ID == "TA1" && set == nil {
			// TA1s stand between the ISA and the first GS; inside a set a
			// TA1 is only a segment of the set.
			if g != nil || len(ic.Groups) > 0 {
				env(s, 0, "", "", "", "", "TA1 after a functional group; TA1 segments go between the ISA and the first GS").Note = NoteBadStructure
			}
			gi := -1
			if g != nil {
				gi = len(ic.Groups) - 1
			}
			ic.readTA1(s, gi)
			continue
		}
		switch s.ID {
		case "ISA":
			env(s, 0, "", "", "", "", "a second ISA inside the interchange; send one interchange a file").Note = NoteBadStructure
			return
		case "GS":
			closeSet(s)
			closeGroup(s)
			ic.Groups = append(ic.Groups, Group{FunctionalID: s.El(1), Sender: strings.TrimSpace(s.El(2)), Receiver: strings.TrimSpace(s.El(3)),
				Date: s.El(4), Time: s.El(5), Control: s.El(6), Agency: s.El(7), Version: s.El(8), Line: s.Line})
			g = &ic.Groups[len(ic.Groups)-1]
			for i, ref := range []string{"479", "142", "124", "373", "337", "28", "455", "480"} {
				if strings.TrimSpace(s.El(i+1)) == "" {
					env(s, i+1, ref, ElemMandatoryMissing, "", GroupNotSupported, "GS%02d is missing", i+1)
				}
			}
			if g.Control != "" && !oms.AllDigits(g.Control) {
				env(s, 6, "28", ElemInvalidChar, "", "6", "GS06 group control number %q is not a number", g.Control)
			}
			if g.Version != "" && !strings.HasPrefix(g.Version, "004010") {
				env(s, 8, "480", ElemInvalidCode, "", GroupVersionNotSupp, "GS08 version %q: only 004010 is read", g.Version)
			}
			if g.Date != "" && !validDate(g.Date) {
				env(s, 4, "373", ElemInvalidDate, "", "", "GS04 %q is not a date CCYYMMDD", g.Date)
			}
		case "GE":
			closeSet(s)
			if g == nil {
				env(s, 0, "", "", "", "", "GE without a GS").Note = NoteBadStructure
				continue
			}
			if n, err := strconv.Atoi(s.El(1)); err != nil || n != len(g.Sets) {
				env(s, 1, "97", ElemInvalidCode, "", GroupCountMismatch, "GE01 says %q transaction sets, the group has %d", s.El(1), len(g.Sets))
			}
			if s.El(2) != g.Control {
				env(s, 2, "28", ElemInvalidCode, "", GroupControlMismatch, "GE02 %q does not match GS06 %q", s.El(2), g.Control)
			}
			g = nil
		case "IEA":
			closeSet(s)
			closeGroup(s)
			sawIEA = true
			if n, err := strconv.Atoi(s.El(1)); err != nil || n != len(ic.Groups) {
				env(s, 1, "I16", ElemInvalidCode, "", "", "IEA01 says %q functional groups, the interchange has %d", s.El(1), len(ic.Groups)).Note = NoteGroupCountMismatch
			}
			if strings.TrimSpace(s.El(2)) != ic.ISA.Control {
				env(s, 2, "I12", ElemInvalidCode, "", "", "IEA02 %q does not match ISA13 %q", s.El(2), ic.ISA.Control).Note = NoteControlMismatch
			}
		case "ST":
			closeSet(s)
			if g == nil {
				env(s, 0, "", "", "", "", "ST outside a functional group").Note = NoteBadStructure
				continue
			}
			s.SetPos = 1
			g.Sets = append(g.Sets, Set{ID: s.El(1), Control: s.El(2), Segments: []Segment{s}, Line: s.Line})
			set = &g.Sets[len(g.Sets)-1]
			if len(set.ID) != 3 || !oms.AllDigits(set.ID) {
				e := env(s, 1, "143", ElemInvalidCode, SetBadIdentifier, "", "ST01 %q is not a transaction set ID", set.ID)
				e.Set, e.SetPos, e.Bad = len(g.Sets)-1, 1, set.ID
			}
			if n := len(set.Control); n < 4 || n > 9 {
				e := env(s, 2, "329", ElemTooShort, SetBadControlNumber, "", "ST02 control number %q wants 4 to 9 characters", set.Control)
				e.Set, e.SetPos, e.Bad = len(g.Sets)-1, 1, set.Control
				if n > 9 {
					e.ElemCode = ElemTooLong
				}
			}
		case "SE":
			if set == nil {
				if e := env(s, 0, "", "", "", "", "SE without an ST"); g == nil {
					e.Note = NoteBadStructure
				}
				continue
			}
			set.Segments = append(set.Segments, s)
			s.SetPos = len(set.Segments)
			set.Segments[len(set.Segments)-1].SetPos = s.SetPos
			if n, err := strconv.Atoi(strings.TrimSpace(s.El(1))); err != nil || n != len(set.Segments) {
				e := env(s, 1, "96", ElemInvalidCode, SetCountMismatch, "", "SE01 says %q segments, the transaction set has %d (ST to SE)", s.El(1), len(set.Segments))
				e.Set, e.SetPos, e.Bad = len(g.Sets)-1, s.SetPos, s.El(1)
			}
			if strings.TrimSpace(s.El(2)) != set.Control {
				e := env(s, 2, "329", ElemInvalidCode, SetControlMismatch, "", "SE02 %q does not match ST02 %q", s.El(2), set.Control)
				e.Set, e.SetPos, e.Bad = len(g.Sets)-1, s.SetPos, s.El(2)
			}
			set = nil
		default:
			if set == nil {
				if e := env(s, 0, "", "", "", "", "segment %s outside a transaction set", s.ID); g == nil {
					e.Note = NoteBadContent
				}
				continue
			}
			set.Segments = append(set.Segments, s)
			set.Segments[len(set.Segments)-1].SetPos = len(set.Segments)
		}
	}
	end := Segment{ID: "IEA", Line: len(segs) + 2}
	if len(segs) > 0 {
		end.Line = segs[len(segs)-1].Line + 1
	}
	closeSet(end)
	closeGroup(end)
	if !sawIEA {
		env(end, 0, "", "", "", "", "the interchange has no IEA trailer: the file may be truncated").Note = NotePrematureEnd
	}
}

func validSegID(id string) bool {
	if len(id) < 2 || len(id) > 3 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !isAlnum(id[i]) || id[i] >= 'a' && id[i] <= 'z' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// validDate checks CCYYMMDD.
func validDate(s string) bool {
	if len(s) != 8 || !oms.AllDigits(s) {
		return false
	}
	m, _ := strconv.Atoi(s[4:6])
	d, _ := strconv.Atoi(s[6:8])
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// validTime checks HHMM, HHMMSS or HHMMSSd..
func validTime(s string) bool {
	if len(s) < 4 || len(s) > 8 || !oms.AllDigits(s) {
		return false
	}
	h, _ := strconv.Atoi(s[0:2])
	m, _ := strconv.Atoi(s[2:4])
	return h < 24 && m < 60
}
