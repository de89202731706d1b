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
	if len(s) < 2 || !oms.AllDigits(s) {
		return false
	}
	return gs1CheckDigit(s[:len(s)-1]) == s[len(s)-1]
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
