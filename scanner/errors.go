package scanner

import (
	"errors"
	"fmt"
)

// Sentinel errors of package scanner. Callers decide on them with errors.Is;
// the messages that wrap them say which AI, at which position, and why.
var (
	// ErrEmptyScan is returned for a scan that carries no data after its
	// symbology identifier is removed.
	ErrEmptyScan = errors.New("empty scan")

	// ErrUnknownAI is returned when an element string names an Application
	// Identifier that is not in the GS1 table.
	ErrUnknownAI = errors.New("unknown application identifier")

	// ErrTruncated is returned when the data ends, or a separator comes,
	// before a predefined-length AI has all of its characters.
	ErrTruncated = errors.New("truncated element")

	// ErrLength is returned when an AI value is shorter or longer than the
	// dictionary allows.
	ErrLength = errors.New("bad length")

	// ErrCharset is returned when an AI value has a character outside its
	// character set (digits, CSET 82, CSET 39 or CSET 64).
	ErrCharset = errors.New("invalid character")

	// ErrCheckDigit is returned when a check digit or check character pair
	// does not match the data (GTIN, SSCC, GLN, GMN, retail codes, tracking
	// numbers).
	ErrCheckDigit = errors.New("bad check digit")

	// ErrBadDate is returned for a date or time component that does not
	// exist (month 13, 31 April, hour 24, ...).
	ErrBadDate = errors.New("invalid date or time")

	// ErrLint is returned when an AI component fails one of the
	// dictionary's content checks other than check digits and dates
	// (country and currency codes, coupon structure, ...).
	ErrLint = errors.New("invalid content")

	// ErrMissingAI is returned when an AI requires another AI (the
	// dictionary's req= rule) that the scan does not carry.
	ErrMissingAI = errors.New("missing required ai")

	// ErrExclusiveAIs is returned when a scan carries two AIs that must not
	// appear together (the dictionary's ex= rule).
	ErrExclusiveAIs = errors.New("mutually exclusive ais")

	// ErrDuplicateAI is returned when one AI appears twice with different
	// values.
	ErrDuplicateAI = errors.New("duplicate ai")

	// ErrMissingSeparator is returned when a variable-length value ends in
	// what is a complete, valid element string of its own: the group
	// separator (FNC1) before it was most likely dropped by the scanner or
	// keyboard wedge, and taking the value as it is would misread it.
	ErrMissingSeparator = errors.New("missing group separator")

	// ErrBadDigitalLink is returned for a GS1 Digital Link URI whose path or
	// query does not follow the Digital Link rules.
	ErrBadDigitalLink = errors.New("bad gs1 digital link")

	// ErrBadRetailCode is returned for a UPC or EAN scan with the wrong
	// length or characters for its symbology.
	ErrBadRetailCode = errors.New("bad retail code")

	// ErrUnknownCommand is returned for a scan with the command prefix whose
	// command is not in the configured list.
	ErrUnknownCommand = errors.New("unknown command")

	// ErrUnknownBarcode is returned for a scan that decodes cleanly but
	// matches nothing the site knows: no GS1 data, no retail code, no
	// configured pattern.
	ErrUnknownBarcode = errors.New("unknown barcode")

	// ErrBadConfig is returned by Config.Validate, and by Decode when the
	// Decoder was built from an invalid Config.
	ErrBadConfig = errors.New("bad scanner config")
)

// AIError is a GS1 decoding error: which AI (empty when the AI itself could
// not be read), the 0-based byte position in the scanned data (after the
// symbology identifier), and why. Err is one of the sentinel errors.
type AIError struct {
	AI     string
	Pos    int
	Reason string
	Err    error
}

// Error implements error.
func (e *AIError) Error() string {
	if e.AI == "" {
		return fmt.Sprintf("data at position %d: %v: %s", e.Pos, e.Err, e.Reason)
	}
	return fmt.Sprintf("ai (%s) at position %d: %v: %s", e.AI, e.Pos, e.Err, e.Reason)
}

// Unwrap returns the sentinel error.
func (e *AIError) Unwrap() error { return e.Err }

// lintError is what a linter returns: the offset of the bad data inside the
// component, the sentinel, and a detail.
type lintError struct {
	off    int
	err    error
	detail string
}

func lintFail(off int, err error, format string, args ...any) *lintError {
	return &lintError{off: off, err: err, detail: fmt.Sprintf(format, args...)}
}
