package scanner

import "github.com/packline/packline/oms"

// gs1CheckDigit returns the GS1 mod-10 check digit for digits (the data
// without its check digit): weights 3 and 1 alternate from the right. It is
// the check of GTIN-8/12/13/14, SSCC, GLN, GSIN, GSRN and USPS IMpb.
// digits must hold only '0'..'9'.
func gs1CheckDigit(digits string) byte {
	d, _ := oms.GS1CheckDigit(digits)
	return d
}

// validGS1Check reports whether s is all digits and its last digit is the
// GS1 mod-10 check digit of the rest.
func validGS1Check(s string) bool {
	if len(s) < 2 || !allDigits(s) {
		return false
	}
	return gs1CheckDigit(s[:len(s)-1]) == s[len(s)-1]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// upsCheckDigit returns the check digit of a UPS 1Z tracking number from
// the 15 characters between "1Z" and the check digit. Letters count as
// (letter-'A'+2) mod 10; odd positions weigh 1, even positions 2.
func upsCheckDigit(body string) (byte, bool) {
	sum := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A'+2) % 10
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

// s10CheckDigit returns the UPU S10 check digit of an 8-digit serial:
// weights 8 6 4 2 3 5 9 7, 11 minus the sum mod 11, with 10 -> 0 and 11 -> 5.
func s10CheckDigit(serial string) byte {
	weights := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(serial[i]-'0') * weights[i]
	}
	c := 11 - sum%11
	switch c {
	case 10:
		c = 0
	case 11:
		c = 5
	}
	return byte('0' + c)
}

// fedexExpressCheckDigit returns the check digit of a 12-digit FedEx
// Express tracking number from its first 11 digits: weights 1, 3, 7
// repeating from the right, sum mod 11, then mod 10.
func fedexExpressCheckDigit(body string) byte {
	weights := [3]int{1, 3, 7}
	sum := 0
	for i := 0; i < len(body); i++ {
		sum += int(body[len(body)-1-i]-'0') * weights[i%3]
	}
	return byte('0' + sum%11%10)
}
