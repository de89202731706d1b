package shipping

import (
	"fmt"
	"strings"
	"testing"

	"github.com/packline/packline/scanner"
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
		// USPS IMpb: the worked example of USPS Publication 199, "Calculating
		// the MOD 10 Check Digit for the Package Identification Code (PIC)"
		// (read as quoted in the javadoc of mirana's Mod10Code): PIC
		// 92 123 912345678 1234567, even positions 45 x 3 + odd positions
		// 45 = 180, check digit 0.
		{"9212391234567812345670", "USPS Publication 199 MOD 10 example"},
		// The IMpb the scanner's tests read (scanner/classify_test.go):
		// 92, service type 055, Mailer ID 901649173, serial 1275108, check 9.
		{"9205590164917312751089", "IMpb of the scanner tests"},
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
	n, err = MakeIMpb("92", "123", "912345678", 1234567)
	if err != nil || n != "9212391234567812345670" {
		t.Fatalf("MakeIMpb = %s, %v; want Publication 199's 9212391234567812345670", n, err)
	}
	n, err = MakeIMpb("92", "055", "901649173", 1275108)
	if err != nil || n != "9205590164917312751089" {
		t.Fatalf("MakeIMpb = %s, %v; want the scanner tests' 9205590164917312751089", n, err)
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
		func() (string, error) { return MakeIMpb("94", "123", "912345678", 1) },           // USPS online channel
		func() (string, error) { return MakeIMpb("93", "123", "912345678", 1) },           // 93 is for 6-digit Mailer IDs
		func() (string, error) { return MakeIMpb("92", "123", "812345", 1) },              // 92 is for 9-digit Mailer IDs
		func() (string, error) { return MakeIMpb("92", "123", "812345678", 1) },           // 9-digit Mailer IDs start with 9
		func() (string, error) { return MakeIMpb("93", "123", "912345", 1) },              // 6-digit ones do not
		func() (string, error) { return MakeIMpb("92", "123", "91234567", 1) },            // 8 digits
		func() (string, error) { return MakeIMpb("92", "12", "912345678", 1) },            // service type is 3 digits
		func() (string, error) { return MakeIMpb("92", "12A", "912345678", 1) },           // of digits
		func() (string, error) { return MakeIMpb("92", "123", "912345678", -1) },          // serial below the space
		func() (string, error) { return MakeIMpb("92", "123", "912345678", 1e7) },         // 8-digit serial
		func() (string, error) { return MakeIMpb("93", "123", "812345", 10_000_000_000) }, // 11-digit serial
	} {
		if n, err := bad(); err == nil {
			t.Errorf("bad input made %s", n)
		}
	}
}

// TestIMpbIssuesWhatScannersRead makes IMpb numbers at the edges of both
// Mailer ID forms and checks each the way the floor will: CheckIMpb and
// CheckTracking accept it, its fields sit where Publication 199 puts them,
// and the station's scanner decoder reads it as a USPS tracking number,
// bare and in the label's GS1-128 form (AI 420 ZIP, then the IMpb). Every
// single-digit change of it is refused.
func TestIMpbIssuesWhatScannersRead(t *testing.T) {
	dec := scanner.NewDecoder(scanner.DefaultConfig())
	forms := []struct {
		channel, mailerID string
		serialDigits      int
	}{
		{"92", "901649173", 7},
		{"92", "999999999", 7},
		{"93", "012345", 10},
		{"93", "899999", 10},
	}
	for _, f := range forms {
		limit := serialLimit(FormatIMpb, f.mailerID)
		if want := allNines(f.serialDigits); limit != want {
			t.Fatalf("serial limit with Mailer ID %s = %d, want %d", f.mailerID, limit, want)
		}
		if _, err := MakeIMpb(f.channel, "001", f.mailerID, limit+1); err == nil {
			t.Errorf("Mailer ID %s: serial %d past the space accepted", f.mailerID, limit+1)
		}
		for _, serial := range []int64{0, 1, 9, 10, limit / 2, limit - 1, limit} {
			for _, stc := range []string{"001", "055", "999"} {
				n, err := MakeIMpb(f.channel, stc, f.mailerID, serial)
				if err != nil {
					t.Fatalf("MakeIMpb(%s, %s, %s, %d): %v", f.channel, stc, f.mailerID, serial, err)
				}
				if len(n) != 22 || n[:2] != f.channel || n[2:5] != stc || n[5:5+len(f.mailerID)] != f.mailerID ||
					n[21-f.serialDigits:21] != fmt.Sprintf("%0*d", f.serialDigits, serial) {
					t.Errorf("MakeIMpb(%s, %s, %s, %d) = %s: fields out of place", f.channel, stc, f.mailerID, serial, n)
				}
				if err := CheckIMpb(n); err != nil {
					t.Errorf("CheckIMpb(%s): %v", n, err)
				}
				if err := CheckTracking(n); err != nil {
					t.Errorf("CheckTracking(%s): %v", n, err)
				}
				for _, raw := range []string{n, "]C1420" + "20500\x1d" + n, "420" + "20500" + n} {
					s := dec.Decode([]byte(raw))
					if !s.OK || s.Kind != scanner.KindTracking || s.Carrier != "usps" || s.Value != n {
						t.Errorf("scan %q: %s %s %q %q %v, want a usps tracking number %s", raw, s.Kind, s.Carrier, s.Value, s.Error, s.OK, n)
					}
				}
				for i := range n {
					for d := byte('0'); d <= '9'; d++ {
						if d == n[i] {
							continue
						}
						b := []byte(n)
						b[i] = d
						if err := CheckIMpb(string(b)); err == nil {
							t.Fatalf("%s (from %s, digit %d changed) passes CheckIMpb", b, n, i+1)
						}
						if s := dec.Decode(b); s.Kind == scanner.KindTracking && s.Carrier == "usps" {
							t.Fatalf("%s (from %s, digit %d changed) scans as a usps tracking number", b, n, i+1)
						}
					}
				}
			}
		}
	}
	// Refused for the reason given: the last two carry the check digit
	// that is right for their digits, so only the channel rule stops them.
	for _, bad := range []struct{ number, want string }{
		{"9212391234567812345670"[:21], "want 22 digits"},
		{"9212391234567812345670" + "0", "want 22 digits"},
		{"921239123456781234567X", "want 22 digits"},
		{"9212391234567812345671", "check digit should be 0"},
		{"9312391234567812345679", "channel 93 needs a 6-digit Mailer ID"},
		{"9412391234567812345678", "channel 94"},
	} {
		if err := CheckIMpb(bad.number); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("CheckIMpb(%s) = %v, want an error saying %q", bad.number, err, bad.want)
		}
	}
}

func FuzzCheckTracking(f *testing.F) {
	for _, s := range []string{"1Z999AA10123456784", "RR123456785GB", "106141411234567897", "9212391234567812345670", "1Z", "", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = CheckTracking(s) // must not panic
	})
}
