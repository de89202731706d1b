package printers

import "errors"

// ErrInvalidData means label data failed validation; the message names the field.
var ErrInvalidData = errors.New("invalid label data")

// ErrFieldTooLong means a field is longer than its limit on the label.
var ErrFieldTooLong = errors.New("field too long")

// ErrUnknownTemplate means no template of that name exists.
var ErrUnknownTemplate = errors.New("unknown template")

// ErrCannotConnect means the printer could not be reached at all: nothing was
// sent, so a retry can never print twice.
var ErrCannotConnect = errors.New("cannot connect to printer")

// ErrNotAnswering means the printer accepted the connection but did not answer
// a status query in time. Zebra printers do this in some fault states.
var ErrNotAnswering = errors.New("printer not answering")

// ErrInDoubt means bytes of a job may have reached the printer but the send did
// not complete cleanly: resending blindly could print the label twice.
var ErrInDoubt = errors.New("job delivery in doubt")

// ErrBadStatus means a printer's status reply could not be parsed.
var ErrBadStatus = errors.New("bad printer status reply")

// ErrJobNotFound means no print job has that id.
var ErrJobNotFound = errors.New("print job not found")

// ErrJobState means the job is not in a state that allows the operation
// (for example voiding a job that is being sent).
var ErrJobState = errors.New("print job state does not allow this")

// ErrNoOdometer means the transport cannot read the printer's label counter.
var ErrNoOdometer = errors.New("printer label counter not available")
