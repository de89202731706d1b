package shipping

import (
	"strings"
	"testing"
)

// Published examples of each format this package issues. A check digit
// computed here must agree with the one printed in the source.
func TestCheckDigitsAgainstPublishedExamples(t *testing.T) {
	good := []struct{ number, source string }{
		// UPS: the example number in UPS's developer documentation and on
		// tracking FAQ pages, "1Z 999 AA1 01 2345 6784" (e.g.
		// https://wheremy.com/ups-tracking/).
		{"1Z999AA10123456784", "UPS published example"},
		// UPU S10: the brief's examples of the S10 standard's format; the
		// serial 12345678 has check digit 5 (worked below from the weights).
		{"RR123456785GB", "UPU S10 example"},
		{"EE123456785US", "UPU S10 example"},
		// GS1 SSCC: the GS1 General Specifications' SSCC example (AI 00),
		// extension digit 1, company prefix 0614141, serial reference
		// 123456789, check digit 7.
		{"106141411234567897", "GS1 General Specifications SSCC example"},
	}
	for _, g := range good {
		if err := CheckTracking(g.number); err != nil {
			t.Errorf("%s (%s): %v", g.number, g.source, err)
		}
	}
	// UPU S10 standard, as reproduced in Wikipedia's "S10 (UPU standard)"
	// article: serial 47312482 has weighted sum 200 and check digit 9.
	if c, err := S10CheckDigit("47312482"); err != nil || c != '9' {
		t.Errorf("S10 check digit of 47312482 = %c, %v; published: 9", c, err)
	}
	// Each with one digit changed must fail.
	for _, g := range good {
		b := []byte(g.number)
		i := len(b) - 1
		if strings.HasSuffix(g.number, "GB") || strings.HasSuffix(g.number, "US") {
			i = 10
		}
		b[i] = '0' + (b[i]-'0'+1)%10
		if err := CheckTracking(string(b)); err == nil {
			t.Errorf("%s passes with a wrong check digit", b)
		}
	}
}

func TestMakeNumbersRoundTrip(t *testing.T) {
	n, err := MakeUPS1Z("999AA1", "01", 2345678)
	if err != nil || n != "1Z999AA10123456784" {
		t.Fatalf("MakeUPS1Z = %s, %v; want the published 1Z999AA10123456784", n, err)
	}
	n, err = MakeS10("RR", 12345678, "GB")
	if err != nil || n != "RR123456785GB" {
		t.Fatalf("MakeS10 = %s, %v; want RR123456785GB", n, err)
	}
	// Serial 1123456789 over prefix 0614141: extension digit 1, serial
	// reference 123456789 -> the GS1 example.
	n, err = MakeSSCC("0614141", 1123456789)
	if err != nil || n != "106141411234567897" {
		t.Fatalf("MakeSSCC = %s, %v; want 106141411234567897", n, err)
	}
	// Every serial makes a number that checks, at the edges of each space.
	for _, serial := range []int64{0, 1, 9, 10, 4999999, 9999999} {
		u, err := MakeUPS1Z("A1B2C3", "65", serial)
		if err != nil || CheckUPS1Z(u) != nil {
			t.Errorf("ups serial %d: %s %v", serial, u, err)
		}
		s, err := MakeS10("LX", serial*10+9, "DE")
		if err != nil || CheckS10(s) != nil {
			t.Errorf("s10 serial %d: %s %v", serial, s, err)
		}
	}
	for _, prefix := range []string{"0614141", "40123456", "506012345", "5060123456"} {
		for _, serial := range []int64{0, 1, serialLimit(FormatSSCC, prefix)} {
			s, err := MakeSSCC(prefix, serial)
			if err != nil || CheckSSCC(s) != nil || s[1:1+len(prefix)] != prefix {
				t.Errorf("sscc %s serial %d: %s %v", prefix, serial, s, err)
			}
		}
		if _, err := MakeSSCC(prefix, serialLimit(FormatSSCC, prefix)+1); err == nil {
			t.Errorf("sscc %s: serial past the space accepted", prefix)
		}
	}
	for _, bad := range []func() (string, error){
		func() (string, error) { return MakeUPS1Z("999AA", "01", 1) },
		func() (string, error) { return MakeUPS1Z("999AA1", "1", 1) },
		func() (string, error) { return MakeUPS1Z("999AA1", "01", 10_000_000) },
		func() (string, error) { return MakeS10("R1", 1, "GB") },
		func() (string, error) { return MakeS10("RR", -1, "GB") },
		func() (string, error) { return MakeSSCC("123", 1) },
	} {
		if n, err := bad(); err == nil {
			t.Errorf("bad input made %s", n)
		}
	}
}

func FuzzCheckTracking(f *testing.F) {
	for _, s := range []string{"1Z999AA10123456784", "RR123456785GB", "106141411234567897", "1Z", "", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = CheckTracking(s) // must not panic
	})
}
