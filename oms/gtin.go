package oms

import "fmt"

// GS1CheckDigit computes the GS1 mod-10 check digit for the digits of
// body (a GTIN, SSCC or GLN without its last digit). It reports false if
// body holds anything but ASCII digits or is empty.
func GS1CheckDigit(body string) (byte, bool) {
	if body == "" {
		return 0, false
	}
	sum := 0
	// Weights alternate 3,1,3,... starting from the rightmost digit of body.
	for i := 0; i < len(body); i++ {
		c := body[len(body)-1-i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int(c - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10), true
}

// CheckGTIN validates a GTIN-8, -12, -13 or -14 including its check digit.
func CheckGTIN(code string) error {
	switch len(code) {
	case 8, 12, 13, 14:
	default:
		return fmt.Errorf("gtin %q: %d digits, want 8, 12, 13 or 14", code, len(code))
	}
	want, ok := GS1CheckDigit(code[:len(code)-1])
	if !ok {
		return fmt.Errorf("gtin %q: not all digits", code)
	}
	if code[len(code)-1] != want {
		return fmt.Errorf("gtin %q: check digit %c, want %c", code, code[len(code)-1], want)
	}
	return nil
}

// NormalizeGTIN validates a GTIN of any length and returns it as GTIN-14
// (left-padded with zeros), the form used for every lookup.
func NormalizeGTIN(code string) (string, error) {
	if err := CheckGTIN(code); err != nil {
		return "", err
	}
	return fmt.Sprintf("%014s", code), nil
}

// AllDigits reports whether s is one or more ASCII digits.
func AllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
