package edi

import (
	"fmt"
	"strings"

	"github.com/packline/packline/oms"
)

// InterchangeAck is a TA1: the acknowledgment of one interchange's
// envelope (its ISA and IEA), as against a 997, which answers the
// functional groups inside it.
type InterchangeAck struct {
	Control string // TA101: the ISA13 acknowledged
	Date    string // TA102: its ISA09, YYMMDD
	Time    string // TA103: its ISA10, HHMM
	// Status is TA104: A accepted, E accepted with errors noted, R
	// rejected.
	Status string
	// Note is TA105, an interchange note code: NoteNoError, or what was
	// wrong with the envelope (NoteControlMismatch, ...).
	Note string
}

// Segment renders the TA1.
func (a InterchangeAck) Segment() Segment {
	return Seg("TA1", a.Control, a.Date, a.Time, a.Status, a.Note)
}

// String says in one line what a TA1 reports, for logs.
func (a InterchangeAck) String() string {
	s := fmt.Sprintf("TA1 for interchange %s of %s %s: %s %s", a.Control, a.Date, a.Time, a.Status, a.Note)
	if t, ok := noteText[a.Note]; ok && a.Note != NoteNoError {
		s += " (" + t + ")"
	}
	return s
}

// noteText says what each interchange note code Packline writes means.
var noteText = map[string]string{
	NoteNoError:            "no error",
	NoteControlMismatch:    "the control numbers in the ISA and IEA differ",
	NoteStandardNotSupp:    "standard not supported",
	NoteVersionNotSupp:     "version of the controls not supported",
	NoteBadTerminator:      "invalid segment terminator",
	NoteBadSenderQual:      "invalid sender ID qualifier",
	NoteBadSenderID:        "invalid sender ID",
	NoteBadReceiverQual:    "invalid receiver ID qualifier",
	NoteBadReceiverID:      "invalid receiver ID",
	NoteBadAuthQual:        "invalid authorization information qualifier",
	NoteBadAuthInfo:        "invalid authorization information",
	NoteBadSecurityQual:    "invalid security information qualifier",
	NoteBadSecurityInfo:    "invalid security information",
	NoteBadDate:            "invalid interchange date",
	NoteBadTime:            "invalid interchange time",
	NoteBadStandardsID:     "invalid standards identifier",
	NoteBadVersion:         "invalid interchange version",
	NoteBadControlNumber:   "invalid interchange control number",
	NoteBadAckRequested:    "invalid acknowledgment requested value",
	NoteBadTestIndicator:   "invalid test indicator",
	NoteGroupCountMismatch: "the IEA's count of functional groups is wrong",
	NoteBadStructure:       "invalid control structure",
	NotePrematureEnd:       "premature end of file",
	NoteBadContent:         "invalid interchange content",
	NoteBadElementSep:      "invalid data element separator",
	NoteBadComponentSep:    "invalid component element separator",
}

// readTA1 reads a TA1 standing outside any set and checks its elements;
// group is the index of the open group (-1 for none), where a misplaced
// TA1's problems are reported.
func (ic *Interchange) readTA1(s Segment, group int) {
	t := strings.TrimSpace
	a := InterchangeAck{Control: t(s.El(1)), Date: t(s.El(2)), Time: t(s.El(3)), Status: t(s.El(4)), Note: t(s.El(5))}
	bad := func(el int, ref, code, format string, args ...any) {
		ic.problem(&SyntaxError{Segment: s.ID, Line: s.Line, Element: el, Ref: ref, SegCode: SegElementErrors, ElemCode: code, Bad: s.El(el),
			Note: NoteBadContent, Msg: fmt.Sprintf(format, args...), Group: group, Set: -1})
	}
	// TA102 and TA103 echo the ISA09 and ISA10 acknowledged, whatever
	// they were: only their form is checked.
	for _, c := range []struct {
		el        int
		ref, v    string
		ok        bool
		code, say string
	}{
		{1, "I12", a.Control, len(a.Control) == 9 && oms.AllDigits(a.Control), ElemInvalidChar, "an interchange control number (nine digits)"},
		{2, "I08", a.Date, len(a.Date) == 6 && oms.AllDigits(a.Date), ElemInvalidDate, "a date YYMMDD"},
		{3, "I09", a.Time, len(a.Time) == 4 && oms.AllDigits(a.Time), ElemInvalidTime, "a time HHMM"},
		{4, "I17", a.Status, a.Status == "A" || a.Status == "E" || a.Status == "R", ElemInvalidCode, "A, E or R"},
		{5, "I18", a.Note, len(a.Note) == 3 && oms.AllDigits(a.Note), ElemInvalidCode, "an interchange note code (three digits)"},
	} {
		switch {
		case c.v == "":
			bad(c.el, c.ref, ElemMandatoryMissing, "TA1%02d is mandatory and missing", c.el)
		case !c.ok:
			bad(c.el, c.ref, c.code, "TA1%02d %q is not %s", c.el, c.v, c.say)
		}
	}
	if len(s.Elements) > 5 {
		bad(6, "", ElemTooMany, "TA1 has %d elements; it has 5", len(s.Elements))
	}
	ic.TA1 = append(ic.TA1, a)
}

// InterchangeAnswer returns the TA1 that answers a received interchange
// and whether one is due. A TA1 speaks for the envelope only: it rejects
// the interchange (R) with the note code of the first problem of the
// envelope itself (SyntaxError.Note), else accepts it (A, 000) however
// its groups fare, which is the 997's to say.
//
// A rejecting TA1 is due whatever ISA14 says; an accepting one when ISA14
// is 1. None is due when ISA13, ISA09 or ISA10 cannot be echoed (nine,
// six and four digits): there is no interchange to name. Nor is one due
// to an interchange of TA1s and no groups: an acknowledgment is not
// acknowledged, so two translators never answer each other for ever.
func InterchangeAnswer(ic *Interchange) (InterchangeAck, bool) {
	if ic == nil || len(ic.TA1) > 0 && len(ic.Groups) == 0 {
		return InterchangeAck{}, false
	}
	isa := ic.ISA
	if len(isa.Control) != 9 || !oms.AllDigits(isa.Control) || len(isa.Date) != 6 || !oms.AllDigits(isa.Date) || len(isa.Time) != 4 || !oms.AllDigits(isa.Time) {
		return InterchangeAck{}, false
	}
	a := InterchangeAck{Control: isa.Control, Date: isa.Date, Time: isa.Time, Status: "A", Note: NoteNoError}
	for _, p := range ic.Problems {
		if p.Note != "" {
			a.Status, a.Note = "R", p.Note
			break
		}
	}
	return a, a.Status == "R" || isa.AckRequested == "1"
}
