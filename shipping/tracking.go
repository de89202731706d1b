package shipping

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/packline/packline/oms"
)

// The tracking number formats a carrier can use.
const (
	// FormatUPS1Z is UPS's 18-character "1Z" number: 1Z, the 6-character
	// shipper number, a 2-digit service code, a 7-digit package serial and
	// a mod-10 check digit.
	FormatUPS1Z = "ups1z"
	// FormatS10 is the UPU S10 postal item identifier: a 2-letter service
	// indicator, an 8-digit serial, a mod-11 check digit and the 2-letter
	// country of the issuing post.
	FormatS10 = "s10"
	// FormatSSCC uses the parcel's SSCC-18 (GS1 AI 00) as its tracking number.
	FormatSSCC = "sscc"
)

// SSCCSeries is the name of the number series of SSCCs under a GS1 company prefix.
func SSCCSeries(companyPrefix string) string { return "sscc:" + companyPrefix }

// serialLimit is the highest serial a format can hold. For SSCC the
// serial counts over extension digit and serial reference together.
func serialLimit(format, companyPrefix string) int64 {
	switch format {
	case FormatUPS1Z:
		return 9_999_999
	case FormatS10:
		return 99_999_999
	case FormatSSCC:
		n := int64(1)
		for range 17 - len(companyPrefix) {
			n *= 10
		}
		return n - 1
	}
	return 0
}

// UPSCheckDigit returns the check digit of the 15 characters after "1Z"
// (oms.UPSCheckDigit), with an error that names the body.
func UPSCheckDigit(body string) (byte, error) {
	if len(body) != 15 {
		return 0, fmt.Errorf("UPS tracking body %q: want 15 characters, got %d", body, len(body))
	}
	c, ok := oms.UPSCheckDigit(body)
	if !ok {
		return 0, fmt.Errorf("UPS tracking body %q: want capital letters and digits only", body)
	}
	return c, nil
}

// MakeUPS1Z builds a 1Z tracking number.
func MakeUPS1Z(shipper, serviceCode string, serial int64) (string, error) {
	if len(shipper) != 6 || !alnumUpper(shipper) {
		return "", fmt.Errorf("UPS shipper number %q: want 6 capital letters or digits", shipper)
	}
	if len(serviceCode) != 2 || !allDigits(serviceCode) {
		return "", fmt.Errorf("UPS service code %q: want 2 digits", serviceCode)
	}
	if serial < 0 || serial > serialLimit(FormatUPS1Z, "") {
		return "", fmt.Errorf("UPS package serial %d: want 0 to 9999999", serial)
	}
	body := fmt.Sprintf("%s%s%07d", shipper, serviceCode, serial)
	c, err := UPSCheckDigit(body)
	if err != nil {
		return "", err
	}
	return "1Z" + body + string(c), nil
}

// CheckUPS1Z verifies a 1Z tracking number's form and check digit.
func CheckUPS1Z(s string) error {
	if len(s) != 18 || !strings.HasPrefix(s, "1Z") {
		return fmt.Errorf("UPS tracking number %q: want 1Z and 16 more characters", s)
	}
	c, err := UPSCheckDigit(s[2:17])
	if err != nil {
		return err
	}
	if s[17] != c {
		return fmt.Errorf("UPS tracking number %s: check digit should be %c", s, c)
	}
	return nil
}

// S10CheckDigit returns the UPU S10 check digit of an 8-digit serial
// (oms.S10CheckDigit), with an error that names the serial.
func S10CheckDigit(serial string) (byte, error) {
	c, ok := oms.S10CheckDigit(serial)
	if !ok {
		return 0, fmt.Errorf("S10 serial %q: want 8 digits", serial)
	}
	return c, nil
}

// MakeS10 builds a UPU S10 identifier such as RR123456785GB.
func MakeS10(indicator string, serial int64, country string) (string, error) {
	if !isCountry(indicator) {
		return "", fmt.Errorf("S10 service indicator %q: want 2 capital letters", indicator)
	}
	if !isCountry(country) {
		return "", fmt.Errorf("S10 country %q: want an ISO 3166-1 alpha-2 code", country)
	}
	if serial < 0 || serial > serialLimit(FormatS10, "") {
		return "", fmt.Errorf("S10 serial %d: want 0 to 99999999", serial)
	}
	digits := fmt.Sprintf("%08d", serial)
	c, err := S10CheckDigit(digits)
	if err != nil {
		return "", err
	}
	return indicator + digits + string(c) + country, nil
}

// CheckS10 verifies a UPU S10 identifier's form and check digit.
func CheckS10(s string) error {
	if len(s) != 13 || !isCountry(s[:2]) || !isCountry(s[11:]) {
		return fmt.Errorf("S10 identifier %q: want 2 letters, 9 digits, 2 letters", s)
	}
	c, err := S10CheckDigit(s[2:10])
	if err != nil {
		return fmt.Errorf("S10 identifier %q: %w", s, err)
	}
	if s[10] != c {
		return fmt.Errorf("S10 identifier %s: check digit should be %c", s, c)
	}
	return nil
}

// GS1CheckDigit returns the GS1 mod-10 check digit of digits (weights 3
// and 1 alternating from the right), as for GTINs and SSCCs: the domain's
// oms.GS1CheckDigit, with an error that names the number.
func GS1CheckDigit(digits string) (byte, error) {
	c, ok := oms.GS1CheckDigit(digits)
	if !ok {
		return 0, fmt.Errorf("GS1 number %q: not all digits", digits)
	}
	return c, nil
}

// MakeSSCC builds an SSCC-18 from a GS1 company prefix (7-10 digits) and
// a serial that counts over the extension digit and the serial reference:
// serial n gives extension digit n / 10^k and serial reference n mod 10^k,
// k = 16 - len(prefix), so one series uses the whole space of the prefix.
func MakeSSCC(companyPrefix string, serial int64) (string, error) {
	if len(companyPrefix) < 7 || len(companyPrefix) > 10 || !allDigits(companyPrefix) {
		return "", fmt.Errorf("GS1 company prefix %q: want 7-10 digits", companyPrefix)
	}
	if serial < 0 || serial > serialLimit(FormatSSCC, companyPrefix) {
		return "", fmt.Errorf("SSCC serial %d: want 0 to %d for prefix %s", serial, serialLimit(FormatSSCC, companyPrefix), companyPrefix)
	}
	k := 16 - len(companyPrefix)
	s := fmt.Sprintf("%0*d", k+1, serial) // extension digit + serial reference
	body := s[:1] + companyPrefix + s[1:]
	c, err := GS1CheckDigit(body)
	if err != nil {
		return "", err
	}
	return body + string(c), nil
}

// CheckSSCC verifies an SSCC-18's form and check digit.
func CheckSSCC(s string) error {
	if len(s) != 18 || !allDigits(s) {
		return fmt.Errorf("SSCC %q: want 18 digits", s)
	}
	c, _ := GS1CheckDigit(s[:17])
	if s[17] != c {
		return fmt.Errorf("SSCC %s: check digit should be %c", s, c)
	}
	return nil
}

// CheckTracking verifies a tracking number in any format this package
// issues, telling them apart by shape.
func CheckTracking(s string) error {
	switch {
	case strings.HasPrefix(s, "1Z"):
		return CheckUPS1Z(s)
	case len(s) == 13 && !allDigits(s):
		return CheckS10(s)
	case len(s) == 18 && allDigits(s):
		return CheckSSCC(s)
	}
	return fmt.Errorf("tracking number %q: not a 1Z, S10 or SSCC number", s)
}

// trackingFormatter turns serials of one carrier's series into numbers.
type trackingFormatter struct {
	format, shipper, indicator, country, prefix string
}

func (t *trackingFormatter) number(serviceCode string, serial int64) (string, error) {
	switch t.format {
	case FormatUPS1Z:
		return MakeUPS1Z(t.shipper, serviceCode, serial)
	case FormatS10:
		ind := t.indicator
		if serviceCode != "" {
			ind = serviceCode
		}
		return MakeS10(ind, serial, t.country)
	case FormatSSCC:
		return MakeSSCC(t.prefix, serial)
	}
	return "", fmt.Errorf("tracking format %q unknown", t.format)
}

// Series is a number series central allocates ranges of: a carrier's
// tracking numbers or a GS1 company prefix's SSCCs.
type Series struct {
	// Name is the series id stations and central use ("ups", "sscc:4012345").
	Name string
	// First and Last bound the serials that may be allocated, inclusive.
	First, Last int64
}

// Series lists every number series the config needs: one per carrier with
// its own tracking format, one per GS1 company prefix. Central defines
// them (central.Store.DefineNumberSeries) before allocating ranges.
func (c *Config) Series() []Series {
	var out []Series
	seen := map[string]bool{}
	for _, s := range c.Sites {
		if s.GS1CompanyPrefix != "" && !seen[SSCCSeries(s.GS1CompanyPrefix)] {
			seen[SSCCSeries(s.GS1CompanyPrefix)] = true
			out = append(out, Series{Name: SSCCSeries(s.GS1CompanyPrefix), First: 0, Last: serialLimit(FormatSSCC, s.GS1CompanyPrefix)})
		}
	}
	for _, cc := range c.Carriers {
		if cc.Tracking.Format == FormatSSCC {
			continue
		}
		last := cc.Tracking.Last
		if last == 0 {
			last = serialLimit(cc.Tracking.Format, "")
		}
		out = append(out, Series{Name: cc.ID, First: cc.Tracking.First, Last: last})
	}
	return out
}

// itoa is strconv.Itoa for int64 without allocation games.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
