package oms

import "fmt"

// UPSCheckDigit returns the check digit of a UPS 1Z tracking number from
// the 15 characters between "1Z" and the check digit: digits count as
// themselves, capital letters as (position in the alphabet + 1) mod 10
// (A=2 ... H=9, I=0, J=1 ...), characters in even positions twice, and the
// check digit brings the sum up to a multiple of 10. It reports false for
// a body of another length or with other characters.
func UPSCheckDigit(body string) (byte, bool) {
	if len(body) != 15 {
		return 0, false
	}
	sum := 0
	for i := 0; i < len(body); i++ {
		var v int
		switch c := body[i]; {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = (int(c-'A') + 2) % 10
		default:
			return 0, false
		}
		if i%2 == 1 {
			v *= 2
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10), true
}

// s10Weights are the UPU S10 check-digit weights of the 8 serial digits.
var s10Weights = [8]int{8, 6, 4, 2, 3, 5, 9, 7}

// S10CheckDigit returns the UPU S10 check digit of an 8-digit serial:
// 11 minus the weighted sum mod 11, with 10 written as 0 and 11 as 5. It
// reports false for anything but 8 ASCII digits.
func S10CheckDigit(serial string) (byte, bool) {
	if len(serial) != 8 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		if serial[i] < '0' || serial[i] > '9' {
			return 0, false
		}
		sum += int(serial[i]-'0') * s10Weights[i]
	}
	c := 11 - sum%11
	switch c {
	case 10:
		c = 0
	case 11:
		c = 5
	}
	return byte('0' + c), true
}

// IMpbLen is the length of the USPS IMpb tracking numbers Packline
// issues and reads on labels.
const IMpbLen = 22

// CheckIMpb says what is wrong with a 22-digit USPS IMpb tracking number,
// or nothing: "92" with a 9-digit Mailer ID (which starts with 9) or "93"
// with a 6-digit one (which does not), then the rest, and a GS1 mod-10
// check digit over the 21 digits before it (USPS Publication 199). The
// error names the number; the shipping package issues these numbers and
// the printers package prints them, each by this one rule.
func CheckIMpb(s string) error {
	if len(s) != IMpbLen {
		return fmt.Errorf("IMpb tracking number %q: want %d digits", s, IMpbLen)
	}
	c, ok := GS1CheckDigit(s[:IMpbLen-1])
	if !ok || s[IMpbLen-1] < '0' || s[IMpbLen-1] > '9' {
		return fmt.Errorf("IMpb tracking number %q: want %d digits", s, IMpbLen)
	}
	switch ch, midFirst := s[:2], s[5]; {
	case ch == "92" && midFirst != '9':
		return fmt.Errorf("IMpb tracking number %s: channel 92 needs a 9-digit Mailer ID, which starts with 9", s)
	case ch == "93" && midFirst == '9':
		return fmt.Errorf("IMpb tracking number %s: channel 93 needs a 6-digit Mailer ID, which does not start with 9", s)
	case ch != "92" && ch != "93":
		return fmt.Errorf("IMpb tracking number %s: channel %s; Packline issues 92 and 93", s, ch)
	}
	if s[IMpbLen-1] != c {
		return fmt.Errorf("IMpb tracking number %s: check digit should be %c", s, c)
	}
	return nil
}
