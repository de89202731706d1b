package oms

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// forbidden is one example of each kind of text checkText refuses, with
// how the error must show it (as %q shows it).
var forbidden = []struct {
	name, s, shown string
}{
	{"NUL", "\x00", `'\x00'`},
	{"tab", "\t", `'\t'`},
	{"LF", "\n", `'\n'`},
	{"CR", "\r", `'\r'`},
	{"ESC", "\x1b", `'\x1b'`},
	{"unit separator", "\x1f", `'\x1f'`},
	{"DEL", "\x7f", `'\x7f'`},
	{"C1 NEL", "\u0085", `'\u0085'`},
	{"C1 CSI", "\u009b", `'\u009b'`},
	{"C1 last", "\u009f", `'\u009f'`},
	{"invalid byte", "\xff", `"\xff"`},
	{"truncated sequence", "\xc3", `"\xc3"`},
	{"surrogate half", "\xed\xa0\x80", `"\xed"`},
	{"overlong slash", "\xc0\xaf", `"\xc0"`},
}

// cleanText is the test's own statement of what may be stored: valid
// UTF-8 without any rune Unicode calls a control (C0, DEL, C1), written
// without checkText so a mistake there cannot hide here.
func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

func TestCheckText(t *testing.T) {
	for _, s := range []string{"", "plain", "Café crème", "中文说明", "mug 🍵 with 👍🏽", " ~!@#$%^&*()_+`{}|[]\\:\";'<>?,./",
		"\u00a0no-break space", "\ufffd replacement char", "\u2028 line separator is not a control"} {
		if err := CheckText(s); err != nil {
			t.Errorf("%q refused: %v", s, err)
		}
	}
	for _, f := range forbidden {
		t.Run(f.name, func(t *testing.T) {
			s := "ab€" + f.s + "cd" // "€" is 3 bytes: the bad one is the 6th
			err := CheckText(s)
			if err == nil {
				t.Fatalf("%q accepted", s)
			}
			if !strings.Contains(err.Error(), f.shown) || !strings.Contains(err.Error(), "at byte 6") {
				t.Fatalf("error %q does not show %s at byte 6", err, f.shown)
			}
			if !cleanText(err.Error()) {
				t.Fatalf("error %q carries the bad text itself", err)
			}
		})
	}
	// The edges of the ranges: the last character before and the first
	// after each one is accepted.
	for _, r := range []rune{0x20, 0x7e, 0xa0} {
		if err := CheckText(string(r)); err != nil {
			t.Errorf("%U refused: %v", r, err)
		}
	}
	for _, r := range []rune{0x00, 0x1f, 0x7f, 0x80, 0x9f} {
		if err := CheckText(string(r)); err == nil {
			t.Errorf("%U accepted", r)
		}
	}
}

// wantRefused checks err refuses the text: ErrInvalid, the field by its
// path, the character and its position.
func wantRefused(t *testing.T, err error, field, shown string, at int) {
	t.Helper()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, field+": ") || !strings.Contains(msg, shown) || !strings.Contains(msg, fmt.Sprintf("at byte %d", at)) {
		t.Fatalf("error %q does not name field %s, character %s and byte %d", msg, field, shown, at)
	}
	if !cleanText(msg) {
		t.Fatalf("error %q carries the bad text itself", msg)
	}
}
