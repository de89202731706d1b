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
	// FormatIMpb is the 22-digit USPS tracking number of the Intelligent
	// Mail package barcode (USPS Publication 199, the Package Identification
	// Code): the channel application identifier (92 with a 9-digit Mailer
	// ID, 93 with a 6-digit one), a 3-digit service type code, the Mailer
	// ID, a serial of the remaining 7 or 10 digits and a GS1 mod-10 check
	// digit.
	FormatIMpb = "impb"
)

// SSCCSeries is the name of the number series of SSCCs under a GS1 company prefix.
func SSCCSeries(companyPrefix string) string { return "sscc:" + companyPrefix }

// IMpbSeries is the name of a carrier's number series of IMpb serials
// under one USPS Mailer ID ("usps:901649173"). The serial's width depends
// on the Mailer ID, and a series' bounds only ever widen at central, so a
// new Mailer ID starts a series of its own.
func IMpbSeries(carrier, mailerID string) string { return carrier + ":" + mailerID }

// serialLimit is the highest serial a format can hold. issuer is the GS1
// company prefix for sscc, the USPS Mailer ID for impb; the other formats
// ignore it. For SSCC the serial counts over extension digit and serial
// reference together.
func serialLimit(format, issuer string) int64 {
	switch format {
	case FormatUPS1Z:
		return 9_999_999
	case FormatS10:
		return 99_999_999
	case FormatSSCC:
		return allNines(17 - len(issuer))
	case FormatIMpb:
		if checkMailerID(issuer) != "" {
			return 0
		}
		return allNines(impbLen - 1 - 5 - len(issuer)) // less check digit, channel and service type
	}
	return 0
}

// allNines is the largest number of n digits.
func allNines(n int) int64 {
	v := int64(1)
	for range n {
		v *= 10
	}
	return v - 1
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
	if len(serviceCode) != 2 || !oms.AllDigits(serviceCode) {
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
	if len(companyPrefix) < 7 || len(companyPrefix) > 10 || !oms.AllDigits(companyPrefix) {
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
	if len(s) != 18 || !oms.AllDigits(s) {
		return fmt.Errorf("SSCC %q: want 18 digits", s)
	}
	c, _ := GS1CheckDigit(s[:17])
	if s[17] != c {
		return fmt.Errorf("SSCC %s: check digit should be %c", s, c)
	}
	return nil
}

// impbLen is the length of the IMpb tracking numbers this package issues.
// (Publication 199 also has a 26-digit form, with 4 more serial digits,
// and 20-digit legacy numbers; neither is issued here.)
const impbLen = 22

// checkMailerID says what is wrong with a USPS Mailer ID, or "". USPS
// assigns 6-digit Mailer IDs from 000000 to 899999 and 9-digit ones from
// 900000000 to 999999999 (the ranges as printer makers' Intelligent Mail
// barcode guides list them), so the first digit tells the length.
func checkMailerID(mid string) string {
	switch {
	case len(mid) != 9 && len(mid) != 6 || !oms.AllDigits(mid):
		return "a USPS Mailer ID is 9 or 6 digits"
	case len(mid) == 9 && mid[0] != '9':
		return "a 9-digit Mailer ID starts with 9"
	case len(mid) == 6 && mid[0] == '9':
		return "a 6-digit Mailer ID is 000000 to 899999"
	}
	return ""
}

// impbChannel is the channel application identifier of a commercial
// mailer with Mailer ID mid: 92 for a 9-digit one, 93 for a 6-digit one.
// (94 is USPS's online channel, whose numbers carry a source identifier;
// 95 is USPS retail.)
func impbChannel(mid string) string {
	if len(mid) == 6 {
		return "93"
	}
	return "92"
}

// MakeIMpb builds a 22-digit USPS IMpb tracking number: channel (92 with
// a 9-digit Mailer ID, 93 with a 6-digit one), the 3-digit service type
// code, the Mailer ID, the serial zero-padded to the remaining 7 or 10
// digits, and the GS1 mod-10 check digit, which Publication 199 specifies
// as the UCC/EAN MOD 10. The label prints it in a GS1-128 barcode after
// AI 420 and the destination ZIP Code.
func MakeIMpb(channel, serviceType, mailerID string, serial int64) (string, error) {
	if channel != "92" && channel != "93" {
		return "", fmt.Errorf("IMpb channel application identifier %q: a commercial mailer's is 92 (9-digit Mailer ID) or 93 (6-digit)", channel)
	}
	if msg := checkMailerID(mailerID); msg != "" {
		return "", fmt.Errorf("USPS Mailer ID %q: %s", mailerID, msg)
	}
	if want := impbChannel(mailerID); channel != want {
		return "", fmt.Errorf("IMpb channel application identifier %s: with a %d-digit Mailer ID it is %s", channel, len(mailerID), want)
	}
	if len(serviceType) != 3 || !oms.AllDigits(serviceType) {
		return "", fmt.Errorf("IMpb service type code %q: want 3 digits", serviceType)
	}
	limit := serialLimit(FormatIMpb, mailerID)
	if serial < 0 || serial > limit {
		return "", fmt.Errorf("IMpb serial %d: want 0 to %d with a %d-digit Mailer ID", serial, limit, len(mailerID))
	}
	body := fmt.Sprintf("%s%s%s%0*d", channel, serviceType, mailerID, impbLen-1-5-len(mailerID), serial)
	c, err := GS1CheckDigit(body)
	if err != nil {
		return "", err
	}
	return body + string(c), nil
}

// CheckIMpb verifies a 22-digit IMpb tracking number of the forms MakeIMpb
// issues (channel 92 with a 9-digit Mailer ID, 93 with a 6-digit one) and
// its check digit.
func CheckIMpb(s string) error { return oms.CheckIMpb(s) }

// CheckTracking verifies a tracking number in any format this package
// issues, telling them apart by shape.
func CheckTracking(s string) error {
	switch {
	case strings.HasPrefix(s, "1Z"):
		return CheckUPS1Z(s)
	case len(s) == 13 && !oms.AllDigits(s):
		return CheckS10(s)
	case len(s) == 18 && oms.AllDigits(s):
		return CheckSSCC(s)
	case len(s) == impbLen && oms.AllDigits(s):
		return CheckIMpb(s)
	}
	return fmt.Errorf("tracking number %q: not a 1Z, S10, SSCC or IMpb number", s)
}

// trackingFormatter turns serials of one carrier's series into numbers.
type trackingFormatter struct {
	format, shipper, indicator, country, prefix, mailerID string
	// series is the number series the carrier issues from ("" for sscc,
	// which uses the site's SSCC series).
	series string
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
	case FormatIMpb:
		return MakeIMpb(impbChannel(t.mailerID), serviceCode, t.mailerID, serial)
	}
	return "", fmt.Errorf("tracking format %q unknown", t.format)
}

// Series is a number series central allocates ranges of: a carrier's
// tracking numbers or a GS1 company prefix's SSCCs.
type Series struct {
	// Name is the series id stations and central use ("ups",
	// "usps:901649173", "sscc:4012345").
	Name string
	// Carrier is the carrier whose tracking numbers the series holds, ""
	// for an SSCC series. It is the series name except for impb carriers,
	// whose series is per Mailer ID (IMpbSeries).
	Carrier string
	// First and Last bound the serials that may be allocated, inclusive.
	First, Last int64
}

// trackingSeries is the number series a carrier issues tracking numbers
// from: its id, or for impb its id and Mailer ID; "" for sscc.
func (cc *CarrierConfig) trackingSeries() string {
	switch cc.Tracking.Format {
	case FormatSSCC:
		return ""
	case FormatIMpb:
		return IMpbSeries(cc.ID, cc.Tracking.MailerID)
	}
	return cc.ID
}

// Series lists every number series the config needs: one per carrier with
// its own tracking format (per carrier and Mailer ID for impb), one per
// GS1 company prefix. Central defines them (central.Store.DefineNumberSeries)
// before allocating ranges.
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
			last = serialLimit(cc.Tracking.Format, cc.Tracking.MailerID)
		}
		out = append(out, Series{Name: cc.trackingSeries(), Carrier: cc.ID, First: cc.Tracking.First, Last: last})
	}
	return out
}

// itoa is strconv.Itoa for int64 without allocation games.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
