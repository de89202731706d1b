package oms

import (
	"fmt"
	"unicode/utf8"
)

// CheckText refuses text that must not reach a terminal, a label or an
// EDI file as it stands: bytes that are not UTF-8, and control
// characters (isControl). An ESC in a product description would rewrite
// the packer's screen and every lead's watching it over SSH; a tab or a
// newline breaks one-line displays and CSV exports; a NUL cuts C strings
// short. The error names the character and its position in bytes,
// counted from 1 as ValidateID counts; the caller puts the field's name
// in front.
func CheckText(s string) error {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return fmt.Errorf("invalid UTF-8 %q at byte %d", s[i:i+1], i+1)
		}
		if isControl(r) {
			return fmt.Errorf("control character %q at byte %d", r, i+1)
		}
		i += n
	}
	return nil
}

// isControl reports whether r is a C0 control (U+0000-U+001F, tab, CR
// and LF included), DEL (U+007F) or a C1 control (U+0080-U+009F): the
// characters a terminal may act on instead of showing.
func isControl(r rune) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f
}
