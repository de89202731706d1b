package edi

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotX12 is returned by Parse when the data does not start with an ISA
// segment at all, so no delimiters can be read from it.
var ErrNotX12 = errors.New("not an X12 interchange")

// Segment syntax error codes (data element 720, used in AK304).
const (
	SegUnrecognized     = "1" // unrecognized segment ID
	SegUnexpected       = "2" // unexpected segment
	SegMandatoryMissing = "3" // mandatory segment missing
	SegLoopTooMany      = "4" // loop occurs over maximum times
	SegTooMany          = "5" // segment exceeds maximum use
	SegNotInSet         = "6" // segment not in defined transaction set
	SegOutOfOrder       = "7" // segment not in proper sequence
	SegElementErrors    = "8" // segment has data element errors
)

// Element syntax error codes (data element 723, used in AK403).
const (
	ElemMandatoryMissing = "1"  // mandatory data element missing
	ElemConditionalMiss  = "2"  // conditional required data element missing
	ElemTooMany          = "3"  // too many data elements
	ElemTooShort         = "4"  // data element too short
	ElemTooLong          = "5"  // data element too long
	ElemInvalidChar      = "6"  // invalid character in data element
	ElemInvalidCode      = "7"  // invalid code value
	ElemInvalidDate      = "8"  // invalid date
	ElemInvalidTime      = "9"  // invalid time
	ElemExclusion        = "10" // exclusion condition violated
)

// Transaction set syntax error codes (data element 718, used in AK502).
const (
	SetNotSupported     = "1" // transaction set not supported
	SetTrailerMissing   = "2" // transaction set trailer missing
	SetControlMismatch  = "3" // control number in header and trailer do not match
	SetCountMismatch    = "4" // number of included segments does not match actual count
	SetSegmentsInError  = "5" // one or more segments in error
	SetBadIdentifier    = "6" // missing or invalid transaction set identifier
	SetBadControlNumber = "7" // missing or invalid transaction set control number
)

// Functional group syntax error codes (data element 716, used in AK905).
const (
	GroupNotSupported    = "1" // functional group not supported
	GroupVersionNotSupp  = "2" // functional group version not supported
	GroupTrailerMissing  = "3" // functional group trailer missing
	GroupControlMismatch = "4" // group control number in GS and GE do not agree
	GroupCountMismatch   = "5" // number of included sets does not match actual count
)

// Interchange note codes (data element I18, used in TA105): what is wrong
// with an interchange's own envelope, the ISA and IEA and what stands
// between them outside any functional group.
const (
	NoteNoError            = "000" // no error
	NoteControlMismatch    = "001" // interchange control number in header and trailer do not match
	NoteStandardNotSupp    = "002" // standard in the control standards identifier not supported
	NoteVersionNotSupp     = "003" // version of the controls not supported
	NoteBadTerminator      = "004" // segment terminator is invalid
	NoteBadSenderQual      = "005" // invalid interchange ID qualifier for sender
	NoteBadSenderID        = "006" // invalid interchange sender ID
	NoteBadReceiverQual    = "007" // invalid interchange ID qualifier for receiver
	NoteBadReceiverID      = "008" // invalid interchange receiver ID
	NoteBadAuthQual        = "010" // invalid authorization information qualifier value
	NoteBadAuthInfo        = "011" // invalid authorization information value
	NoteBadSecurityQual    = "012" // invalid security information qualifier value
	NoteBadSecurityInfo    = "013" // invalid security information value
	NoteBadDate            = "014" // invalid interchange date value
	NoteBadTime            = "015" // invalid interchange time value
	NoteBadStandardsID     = "016" // invalid interchange standards identifier value
	NoteBadVersion         = "017" // invalid interchange version ID value
	NoteBadControlNumber   = "018" // invalid interchange control number value
	NoteBadAckRequested    = "019" // invalid acknowledgment requested value
	NoteBadTestIndicator   = "020" // invalid test indicator value
	NoteGroupCountMismatch = "021" // invalid number of included groups value
	NoteBadStructure       = "022" // invalid control structure
	NotePrematureEnd       = "023" // improper (premature) end-of-file
	NoteBadContent         = "024" // invalid interchange content (e.g. an invalid GS segment)
	NoteBadElementSep      = "026" // invalid data element separator
	NoteBadComponentSep    = "027" // invalid component element separator
)

// SyntaxError is one problem in a received interchange, located the way
// a 997 reports it: the segment (its ID, its position in the transaction
// set counting ST as 1, and its position in the file), and, for an element
// problem, the element's position and data element reference number.
type SyntaxError struct {
	// Segment is the segment ID ("BEG", "ISA").
	Segment string
	// SetPos is the segment's position in its transaction set, ST being
	// 1; 0 for envelope segments outside a set (ISA, GS, GE, IEA).
	SetPos int
	// Line is the segment's position in the file, counting from 1.
	Line int
	// Loop is the loop identifier for AK303 (e.g. "N1", "PO1"), if any.
	Loop string
	// Element is the element's position in the segment (1-based); 0 for
	// a problem with the segment as a whole.
	Element int
	// Ref is the data element reference number ("324" for a PO number).
	Ref string
	// SegCode is the AK304 segment syntax error code.
	SegCode string
	// ElemCode is the AK403 element syntax error code.
	ElemCode string
	// Bad is a copy of the bad element's data, when there was one.
	Bad string
	// SetCode is the AK502 code this problem gives its transaction set.
	SetCode string
	// GroupCode is the AK905 code this problem gives its group, for
	// problems with the group envelope itself.
	GroupCode string
	// Note is the TA105 interchange note code this problem gives the
	// interchange, for problems with the interchange envelope itself
	// (ISA, IEA, their structure); such a problem makes the TA1 reject
	// the interchange. Empty for problems inside a group.
	Note string
	// Msg says what is wrong in words.
	Msg string
	// Group and Set are the indexes (from 0) of the functional group and
	// transaction set the problem is in; -1 when outside one.
	Group, Set int
}

// Error names the segment, its position in the file and the element.
func (e *SyntaxError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "segment %d (%s", e.Line, e.Segment)
	if e.SetPos > 0 {
		fmt.Fprintf(&b, ", position %d in its transaction set", e.SetPos)
	}
	b.WriteString(")")
	if e.Element > 0 {
		fmt.Fprintf(&b, " element %s%02d", e.Segment, e.Element)
		if e.Ref != "" {
			fmt.Fprintf(&b, " (data element %s)", e.Ref)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is a list of problems, itself an error.
type Errors []*SyntaxError

// Error joins the problems, one a line.
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// DelimiterError is Outgoing.Write refusing element data that holds one
// of the interchange's delimiters, a CR or a LF. X12 has no escape
// character: written as it is, the data would end its element or segment
// early and corrupt everything after it.
type DelimiterError struct {
	// Segment is the segment ID ("PO1", or "ISA" for the sender and
	// receiver IDs).
	Segment string
	// Line is the segment's position in the interchange, the ISA being 1.
	Line int
	// SetPos is its position in its transaction set, ST being 1; 0 for
	// envelope segments.
	SetPos int
	// Element is the element's position in the segment (1-based).
	Element int
	// Value is the element's data.
	Value string
	// Char is the offending byte and Delimiter what it is ("element
	// separator", "component separator", "segment terminator", "carriage
	// return", "line feed").
	Char      byte
	Delimiter string
}

// Error names the segment, its position, the element and the character.
func (e *DelimiterError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "segment %d (%s", e.Line, e.Segment)
	if e.SetPos > 0 {
		fmt.Fprintf(&b, ", position %d in its transaction set", e.SetPos)
	}
	fmt.Fprintf(&b, ") element %s%02d: %q contains the %s %q, which X12 cannot escape", e.Segment, e.Element, e.Value, e.Delimiter, string([]byte{e.Char}))
	return b.String()
}
