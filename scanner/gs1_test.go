package scanner

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Examples from the GS1 General Specifications, the GS1 Digital Link
// standard and the Barcode Syntax Dictionary's own entries.
func TestParseGS1Valid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Element
	}{
		{"gtin expiry lot raw, fixed-length AIs need no GS", "0109506000134352" + "17260131" + "10AB-12",
			[]Element{{"01", "09506000134352"}, {"17", "260131"}, {"10", "AB-12"}}},
		{"variable-length AI ends at GS", "010950600013435210AB-12\x1d17260131",
			[]Element{{"01", "09506000134352"}, {"10", "AB-12"}, {"17", "260131"}}},
		{"leading FNC1 as GS is skipped", "\x1d0109506000134352",
			[]Element{{"01", "09506000134352"}}},
		{"GS after a fixed-length AI is tolerated", "0109506000134352\x1d17260131",
			[]Element{{"01", "09506000134352"}, {"17", "260131"}}},
		{"trailing GS is tolerated", "010950600013435210AB-12\x1d",
			[]Element{{"01", "09506000134352"}, {"10", "AB-12"}}},
		{"bracketed", "(01)09506000134352(17)260131(10)AB-12",
			[]Element{{"01", "09506000134352"}, {"17", "260131"}, {"10", "AB-12"}}},
		{"genspecs example", "(01)09501101530003(17)140704(10)AB-123",
			[]Element{{"01", "09501101530003"}, {"17", "140704"}, {"10", "AB-123"}}},
		{"bracketed escaped paren in value", `(01)09506000134352(10)A\(B`,
			[]Element{{"01", "09506000134352"}, {"10", "A(B"}}},
		{"sscc", "00106141411234567897", []Element{{"00", "106141411234567897"}}},
		{"sscc with count and content", "(00)106141411234567897(02)09506000134352(37)12",
			[]Element{{"00", "106141411234567897"}, {"02", "09506000134352"}, {"37", "12"}}},
		{"day 00 means end of month", "(01)09506000134352(17)260200",
			[]Element{{"01", "09506000134352"}, {"17", "260200"}}},
		{"leap day", "(01)09506000134352(15)240229",
			[]Element{{"01", "09506000134352"}, {"15", "240229"}}},
		{"net weight kg", "0109506000134352" + "3103001250",
			[]Element{{"01", "09506000134352"}, {"3103", "001250"}}},
		{"price with currency", "(01)09506000134352(30)1(3932)9781099",
			[]Element{{"01", "09506000134352"}, {"30", "1"}, {"3932", "9781099"}}},
		{"gdti", "(253)9506000134369ABC", []Element{{"253", "9506000134369ABC"}}},
		{"grai", "(8003)095060001343691234", []Element{{"8003", "095060001343691234"}}},
		{"gln with extension", "(414)9506000134369(254)AB",
			[]Element{{"414", "9506000134369"}, {"254", "AB"}}},
		{"coupon", "(8110)106141416543213500110000310123196000",
			[]Element{{"8110", "106141416543213500110000310123196000"}}},
		{"gmn with check pair", "(8013)1987654Ad4X4bL5ttr2310c2K",
			[]Element{{"8013", "1987654Ad4X4bL5ttr2310c2K"}}},
		{"ship-to geo", "(00)106141411234567897(4309)02790858483015297971",
			[]Element{{"00", "106141411234567897"}, {"4309", "02790858483015297971"}}},
		{"uic with extension and importer index", "(7040)1AB-", []Element{{"7040", "1AB-"}}},
		{"country of processing, several", "(01)09506000134352(423)276040",
			[]Element{{"01", "09506000134352"}, {"423", "276040"}}},
		{"itip piece of total", "(8006)095060001343520102",
			[]Element{{"8006", "095060001343520102"}}},
		{"identical duplicate is dropped", "(01)09506000134352(01)09506000134352",
			[]Element{{"01", "09506000134352"}}},
		{"internal ai", "(91)ANYTHING-1", []Element{{"91", "ANYTHING-1"}}},
		{"digital link", "https://id.gs1.org/01/09506000134352/10/AB-12?17=260131",
			[]Element{{"01", "09506000134352"}, {"10", "AB-12"}, {"17", "260131"}}},
		{"digital link any host with path prefix", "https://brand.example.com/products/01/09506000134352/21/SN%2F1?linkType=gs1:pip&3103=001250",
			[]Element{{"01", "09506000134352"}, {"21", "SN/1"}, {"3103", "001250"}}},
		{"digital link gtin-13 padded", "http://example.com/01/9506000134352",
			[]Element{{"01", "09506000134352"}}},
		{"digital link sscc", "HTTPS://id.gs1.org/00/106141411234567897#frag",
			[]Element{{"00", "106141411234567897"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGS1(tt.in)
			if err != nil {
				t.Fatalf("ParseGS1(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseGS1(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseGS1Errors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		err     error
		ai      string
		pos     int
		message string // substring of the message
	}{
		{"empty", "", ErrEmptyScan, "", 0, "no data"},
		{"only separators", "\x1d\x1d", ErrEmptyScan, "", 0, "no element strings"},
		{"unknown ai", "2301234", ErrUnknownAI, "", 0, `"2301"`},
		{"unknown ai after a good one", "0109506000134352" + "2301234", ErrUnknownAI, "", 16, "no GS1 AI"},
		{"data ends inside an ai", "01095060001343521", ErrUnknownAI, "", 16, "data ends inside an AI"},
		{"not digits where an ai should be", "0109506000134352AB", ErrUnknownAI, "", 16, "expected an AI"},
		{"truncated gtin", "01095060001343", ErrTruncated, "01", 14, "needs exactly 14"},
		{"separator inside fixed-length value", "0109506000\x1d134352", ErrTruncated, "01", 10, "a separator comes"},
		{"gtin check digit", "0109506000134353", ErrCheckDigit, "01", 15, "check digit is 3, want 2"},
		{"sscc check digit", "00106141411234567890", ErrCheckDigit, "00", 19, "csum"},
		{"gtin letters", "01095060001343AB", ErrCharset, "01", 14, "is not in digits"},
		{"month 13", "(01)09506000134352(17)261331", ErrBadDate, "17", 24, "month 13"},
		{"31 april", "(01)09506000134352(17)260431", ErrBadDate, "17", 26, "day 31"},
		{"29 february non-leap", "(01)09506000134352(17)250229", ErrBadDate, "17", 26, "day 29"},
		{"day 00 not allowed for yymmdd", "(01)09506000134352(7006)260100", ErrBadDate, "7006", 28, "day 00"},
		{"hour 24", "(01)09506000134352(7003)2601312400", ErrBadDate, "7003", 30, "hour 24"},
		{"lot too long", "(01)09506000134352(10)ABCDEFGHIJKLMNOPQRSTU", ErrLength, "10", 42, "needs 1 to 20"},
		{"empty lot", "(01)09506000134352(10)", ErrLength, "10", 22, "too short"},
		{"space in lot", "(01)09506000134352(10)AB 12", ErrCharset, "10", 24, `' ' is not in CSET 82`},
		{"lowercase in cset 39", "(8010)0950600ab(8011)1", ErrCharset, "8010", 13, "CSET 39"},
		{"bad base64url", "(01)09506000134352(21)1(8030)AB$D", ErrCharset, "8030", 31, "CSET 64"},
		{"lot without gtin", "10AB-12", ErrMissingAI, "10", 0, "requires (01) or (02) or (03) or (8006) or (8026)"},
		{"serial pair required", "(01)09506000134352(250)X", ErrMissingAI, "250", 18, "requires (21)"},
		{"plus-joined requirement", "(01)09506000134352(8040)123456789012345", ErrMissingAI, "8040", 18, "(01)+(21)"},
		{"net weights in kg exclude each other", "(01)09506000134352(3103)001250(3102)000125", ErrExclusiveAIs, "3103", 18, "(3102)"},
		{"gtin excludes count", "(01)09506000134352(37)1", ErrExclusiveAIs, "01", 0, "(37)"},
		{"conflicting duplicate", "(01)09506000134352(10)A(10)B", ErrDuplicateAI, "10", 23, `conflicts with "A"`},
		{"dropped separator after lot", "0109506000134352" + "10AB-12" + "17260131", ErrMissingSeparator, "10", 23, "(17)"},
		{"dropped separator before gtin", "00106141411234567897" + "400PO123" + "0109506000134352", ErrMissingSeparator, "400", 28, "(01) GTIN"},
		{"overlong lot that hides a date", "0109506000134352" + "10ABCDEFGHIJKLMNOPQRST" + "17260131", ErrMissingSeparator, "10", 38, "(17)"},
		{"bracketed unknown ai", "(01)09506000134352(23)X", ErrUnknownAI, "", 19, `no GS1 AI "23"`},
		{"bracketed not digits", "(AB)X", ErrUnknownAI, "", 1, "is not an AI"},
		{"bracketed missing paren", "(01", ErrUnknownAI, "", 0, "'(' without ')'"},
		{"bracketed value runs to the next paren", "(01)09506000134352x(10)A", ErrLength, "01", 18, "too long"},
		{"bracketed too long fixed", "(01)095060001343521", ErrLength, "01", 18, "too long"},
		{"country code", "(01)09506000134352(422)999", ErrLint, "422", 23, "ISO 3166"},
		{"currency code", "(8020)A(415)9506000134369(3912)0001", ErrLint, "3912", 31, "ISO 4217"},
		{"piece exceeds total", "(8006)095060001343520302", ErrLint, "8006", 20, "exceeds total"},
		{"gmn check pair", "(8013)1987654Ad4X4bL5ttr2310cXK", ErrCheckDigit, "8013", 29, "csumalpha"},
		{"coupon truncated", "(8110)1061414165432", ErrLint, "8110", 14, "coupon offer code truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGS1(tt.in)
			if err == nil {
				t.Fatalf("ParseGS1(%q) = %v, want error %v", tt.in, got, tt.err)
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("ParseGS1(%q) error %q, want %v", tt.in, err, tt.err)
			}
			var ae *AIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %q is not an *AIError", err)
			}
			if ae.AI != tt.ai || (tt.pos >= 0 && ae.Pos != tt.pos) {
				t.Errorf("error %q: ai %q pos %d, want ai %q pos %d", err, ae.AI, ae.Pos, tt.ai, tt.pos)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if err.Error() != strings.ToLower(err.Error()[:1])+err.Error()[1:] {
				t.Errorf("error %q starts with a capital", err)
			}
		})
	}
}

func TestDigitalLinkErrors(t *testing.T) {
	tests := []struct {
		name, in string
		err      error
		message  string
	}{
		{"no primary key", "https://example.com/products/123", ErrBadDigitalLink, "no GS1 primary key"},
		{"no path", "https://id.gs1.org", ErrBadDigitalLink, "no path"},
		{"odd pairs", "https://id.gs1.org/01/09506000134352/10", ErrBadDigitalLink, "no GS1 primary key"},
		{"qualifiers out of order", "https://id.gs1.org/01/09506000134352/21/S1/10/L1", ErrBadDigitalLink, "must follow the order (22)/(10)/(21) or (235)"},
		{"mixed qualifier sequences", "https://id.gs1.org/01/09506000134352/10/L1/235/T", ErrBadDigitalLink, "must follow the order"},
		{"no qualifiers allowed", "https://id.gs1.org/00/106141411234567897/10/L1", ErrBadDigitalLink, "takes no qualifiers"},
		{"path-only attribute in query", "https://id.gs1.org/01/09506000134352?21=S1", ErrBadDigitalLink, "not permitted as a Digital Link query attribute"},
		{"qualifier repeated in query", "https://id.gs1.org/01/09506000134352/10/L1?10=L2", ErrBadDigitalLink, "already in the path"},
		{"primary key in query", "https://id.gs1.org/01/09506000134352?01=09506000134352", ErrBadDigitalLink, "primary key"},
		{"unknown numeric query key", "https://id.gs1.org/01/09506000134352?9999=1", ErrUnknownAI, "not a GS1 AI"},
		{"bad value in path", "https://id.gs1.org/01/09506000134353", ErrCheckDigit, "ai (01)"},
		{"bad value in query", "https://id.gs1.org/01/09506000134352?17=261301", ErrBadDate, "ai (17)"},
		{"bad percent-encoding", "https://id.gs1.org/01/09506000134352/10/%ZZ", ErrBadDigitalLink, "percent-encoding"},
		{"bad percent-encoding in query", "https://id.gs1.org/01/09506000134352?10=%Z", ErrBadDigitalLink, "percent-encoding"},
		{"association across path and query", "https://id.gs1.org/00/106141411234567897?10=L1", ErrMissingAI, "ai (10)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseGS1(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("ParseGS1(%q) error %v, want %v", tt.in, err, tt.err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
		})
	}
}

// A coupon code with every optional field: additional purchase rules (1),
// third purchase (2), expiration (3) and start date (4), serial number (5),
// retailer GCP/GLN (6) and miscellaneous flags (9).
const (
	couponBase = "012345612345611110123"
	couponAll  = couponBase + "101101230123456" + "21191239" + "3260131" + "4260101" + "50123456" + "611234567" + "90101"
)

func TestLinters(t *testing.T) {
	tests := []struct {
		fn   func(string) *lintError
		name string
		good []string
		bad  []string
	}{
		{lintCsum, "csum", []string{"09506000134352", "106141411234567897", "9506000134369"}, []string{"09506000134353", "1", "0950600013435X"}},
		{lintCsumalpha, "csumalpha", []string{"1987654Ad4X4bL5ttr2310c2K", "12345678901234567890123NT", "22"}, []string{"1987654Ad4X4bL5ttr2310cXK", "2", "33", " 2345678901234567890123NT", "1234567890123456789012312"}},
		{lintGcppos1, "gcppos1", []string{"9506", "950600A"}, []string{"950", "95A6"}},
		{lintGcppos2, "gcppos2", []string{"09506"}, []string{"0950", "", "0A506"}},
		{lintHasnondigit, "hasnondigit", []string{"123A"}, []string{"1234"}},
		{lintHh, "hh", []string{"00", "23"}, []string{"24", "1", "AA"}},
		{lintMi, "mi", []string{"00", "59"}, []string{"60", "123"}},
		{lintSs, "ss", []string{"00", "59"}, []string{"60", ""}},
		{lintHhmi, "hhmi", []string{"0000", "2359"}, []string{"2400", "1260", "123"}},
		{lintHyphen, "hyphen", []string{"-", ""}, []string{"A"}},
		{lintIban, "iban", []string{"GB82WEST12345698765432", "DE89370400440532013000"}, []string{"GB82WEST12345698765433", "XX82WEST12345698765432", "GB8", "GBA2WEST1234", "GB82west12345698765432"}},
		{lintImporteridx, "importeridx", []string{"-", "0", "Z", "_", "z"}, []string{"", "AA", "!", "/"}},
		{lintIso3166, "iso3166", []string{"276", "840", "004"}, []string{"000", "999", "AAA", "27"}},
		{lintIso3166999, "iso3166999", []string{"276", "999"}, []string{"000"}},
		{lintIso3166alpha2, "iso3166alpha2", []string{"DE", "US", "GB"}, []string{"UK", "XX", "de"}},
		{lintIso4217, "iso4217", []string{"978", "840", "999"}, []string{"000", "123"}},
		{lintIso5218, "iso5218", []string{"0", "1", "2", "9"}, []string{"3", ""}},
		{lintLatitude, "latitude", []string{"0000000000", "1800000000"}, []string{"1800000001", "123"}},
		{lintLongitude, "longitude", []string{"3600000000"}, []string{"3600000001", "36000000AA"}},
		{lintMediatype, "mediatype", []string{"01", "10", "80", "99"}, []string{"00", "11", "79", "1"}},
		{lintNonzero, "nonzero", []string{"0001"}, []string{"0000"}},
		{lintZero, "zero", []string{"0"}, []string{"1", "00"}},
		{lintNozeroprefix, "nozeroprefix", []string{"0", "10"}, []string{"01"}},
		{lintPackagetype, "packagetype", []string{"1A", "8", "PX", "ZZ", "X11"}, []string{"", "00", "1A_"}},
		{lintPcenc, "pcenc", []string{"ABC", "A%20B", "%2f"}, []string{"A%2", "A%G0", "%"}},
		{lintPieceoftotal, "pieceoftotal", []string{"0102", "0202", "0199"}, []string{"0002", "0100", "0302", "012", "01A2"}},
		{lintPosinseqslash, "posinseqslash", []string{"1/2", "2/2", "9/99"}, []string{"3/2", "0/2", "1/0", "12", "1/", "01/2"}},
		{lintWinding, "winding", []string{"0", "1", "9"}, []string{"2"}},
		{lintYesno, "yesno", []string{"0", "1"}, []string{"2"}},
		{lintYymmd0, "yymmd0", []string{"260131", "260200", "240229"}, []string{"261301", "250229", "260132", "26013"}},
		{lintYymmdd, "yymmdd", []string{"260131", "240229"}, []string{"260100", "260431"}},
		{lintYyyymmdd, "yyyymmdd", []string{"20240229", "20000229"}, []string{"19000229", "21000229", "2024022"}},
		{lintCouponcode, "couponcode", []string{"012345612345611110123", "106141416543213500110000310123196000", couponAll},
			[]string{"", "01", "0123456", "71234567890123", "01234561234560", "012345612345611110123" + "5",
				"012345612345611110123" + "3261301", "012345612345611110123" + "3260101" + "4260201",
				"0123456123456111101239", "0123456123456111101239712", "a12345612345611110123",
				couponBase + "1401101230123456", couponBase + "10111012371", couponBase + "1011101230",
				couponBase + "3260101" + "4260131", couponBase + "4261301", couponBase + "93101", couponBase + "90102",
				couponBase + "90301", couponBase + "68", couponBase + "6112", couponBase + "5", couponBase + "9",
				couponBase + "2", couponBase + "21", couponBase + "211", couponBase + "21151231", couponBase + "216"}},
		{lintCouponposoffer, "couponposoffer", []string{"001234561234560123456", "061234567890121234569123456789012345"},
			[]string{"", "201234561234560123456", "0", "07", "00123456", "00123456123456", "0012345612345601234567", "a01234561234560123456"}},
	}
	for _, tt := range tests {
		for _, v := range tt.good {
			if e := tt.fn(v); e != nil {
				t.Errorf("%s(%q) = %v, want ok", tt.name, v, e)
			}
		}
		for _, v := range tt.bad {
			if e := tt.fn(v); e == nil {
				t.Errorf("%s(%q) = ok, want error", tt.name, v)
			}
		}
	}
}

// TestTableCoversDictionary checks the generated table against facts of the
// dictionary release it came from.
func TestTableCoversDictionary(t *testing.T) {
	if len(aiTable) < 500 {
		t.Fatalf("aiTable has %d AIs; the dictionary has over 500", len(aiTable))
	}
	for _, ai := range []string{"00", "01", "10", "17", "21", "235", "3103", "3695", "392" + "9", "4330", "7040", "8030", "8112", "91", "99"} {
		if _, ok := aiIndex[ai]; !ok {
			t.Errorf("AI %s missing from the table", ai)
		}
	}
	for _, ai := range []string{"3106", "23", "9", "100"} {
		if _, ok := aiIndex[ai]; ok {
			t.Errorf("AI %s should not exist", ai)
		}
	}
	if title, ok := AITitle("10"); !ok || title != "BATCH/LOT" {
		t.Errorf("AITitle(10) = %q, %v", title, ok)
	}
	if _, ok := AITitle("23"); ok {
		t.Error("AITitle(23) found")
	}
	names := map[string]bool{}
	for i := range aiTable {
		s := &aiTable[i]
		if len(s.comps) == 0 {
			t.Errorf("AI %s: empty spec", s.ai)
		}
		for _, c := range s.comps {
			for _, l := range c.linters {
				names[l.name] = true
			}
		}
	}
	// Every linter the dictionary names is wired in (gen refuses unknown ones).
	if len(names) != 34 {
		t.Errorf("table uses %d linters, want the dictionary's 34: %v", len(names), names)
	}
	if gs1DictionaryRelease == "" {
		t.Error("no dictionary release recorded")
	}
}

func TestDecimalValue(t *testing.T) {
	tests := []struct{ ai, v, want string }{
		{"3103", "001250", "1.250"},
		{"3100", "000125", "125"},
		{"3105", "000125", "0.00125"},
		{"3922", "1099", "10.99"},
		{"3932", "9781099", "10.99"},
		{"3940", "0025", "25"},
		{"3955", "123456", "1.23456"},
	}
	for _, tt := range tests {
		if got, ok := decimalValue(tt.ai, tt.v); !ok || got != tt.want {
			t.Errorf("decimalValue(%s, %s) = %q, %v; want %q", tt.ai, tt.v, got, ok, tt.want)
		}
	}
	for _, ai := range []string{"01", "10", "8001", "3933"} {
		if got, ok := decimalValue(ai, "12"); ok {
			t.Errorf("decimalValue(%s) = %q, want none", ai, got)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	elems := []Element{{"01", "09506000134352"}, {"10", "AB(12"}, {"17", "260131"}, {"21", "S/N 1"[:3]}, {"3103", "001250"}}
	raw := EncodeElementString(elems)
	if want := "0109506000134352" + "10AB(12\x1d" + "17260131" + "21S/N\x1d" + "3103001250"; raw != want {
		t.Fatalf("EncodeElementString = %q, want %q", raw, want)
	}
	for _, in := range []string{raw, EncodeBracketed(elems)} {
		got, err := ParseGS1(in)
		if err != nil {
			t.Fatalf("ParseGS1(%q): %v", in, err)
		}
		if !reflect.DeepEqual(got, elems) {
			t.Fatalf("round trip of %q = %v, want %v", in, got, elems)
		}
	}
	dl, ok := EncodeDigitalLink("https://id.gs1.org/", elems)
	if !ok {
		t.Fatal("EncodeDigitalLink found no primary key")
	}
	if want := "https://id.gs1.org/01/09506000134352/10/AB%2812/21/S%2FN?17=260131&3103=001250"; dl != want {
		t.Errorf("EncodeDigitalLink = %q, want %q", dl, want)
	}
	got, err := ParseGS1(dl)
	if err != nil {
		t.Fatalf("ParseGS1(%q): %v", dl, err)
	}
	if !sameElements(got, elems) {
		t.Errorf("digital link round trip = %v, want %v", got, elems)
	}
	if _, ok := EncodeDigitalLink("https://x", []Element{{"10", "A"}}); ok {
		t.Error("EncodeDigitalLink without a primary key succeeded")
	}
}

// sameElements compares element lists ignoring order.
func sameElements(a, b []Element) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[Element]int{}
	for _, e := range a {
		m[e]++
	}
	for _, e := range b {
		m[e]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}
