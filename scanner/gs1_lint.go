package scanner

import (
	"sort"
	"strings"

	"github.com/packline/packline/oms"
)

// This file holds the component checks ("linters") that the GS1 Barcode
// Syntax Dictionary names, one function per name. gs1_table.go refers to
// them as lint<Name>; the generator refuses a dictionary that names a
// linter missing here. Each returns nil or the offset of the bad data inside
// the component and why.

// linter is one named component check.
type linter struct {
	name string
	fn   func(string) *lintError
}

// CSET 82: the GS1 invariant subset of ISO/IEC 646.
const cset82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// CSET 39: digits, upper-case letters, '#', '-' and '/'.
const cset39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// CSET 32: the characters of an alphanumeric check character pair.
const cset32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

var (
	cset82Table [256]bool
	cset39Table [256]bool
	cset64Table [256]bool
	cset82Index [256]int
)

func init() {
	for i := 0; i < len(cset82); i++ {
		cset82Table[cset82[i]] = true
		cset82Index[cset82[i]] = i
	}
	for i := 0; i < len(cset39); i++ {
		cset39Table[cset39[i]] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		cset64Table[c] = true
		cset64Table[c+'a'-'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		cset64Table[c] = true
	}
	cset64Table['-'] = true
	cset64Table['_'] = true
}

// checkCharset returns the offset of the first character of v outside the
// component's character set, or -1.
func checkCharset(cset byte, v string) int {
	switch cset {
	case 'N':
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return i
			}
		}
	case 'X':
		for i := 0; i < len(v); i++ {
			if !cset82Table[v[i]] {
				return i
			}
		}
	case 'Y':
		for i := 0; i < len(v); i++ {
			if !cset39Table[v[i]] {
				return i
			}
		}
	case 'Z':
		// base64url, with '=' padding allowed only at the end.
		pad := false
		for i := 0; i < len(v); i++ {
			switch {
			case v[i] == '=':
				pad = true
			case pad || !cset64Table[v[i]]:
				return i
			}
		}
	}
	return -1
}

func csetName(cset byte) string {
	switch cset {
	case 'N':
		return "digits"
	case 'X':
		return "CSET 82"
	case 'Y':
		return "CSET 39"
	case 'Z':
		return "CSET 64"
	}
	return "unknown character set"
}

// lintCsum checks a GS1 mod-10 check digit (GTIN, SSCC, GLN, GSRN, ...).
func lintCsum(v string) *lintError {
	if len(v) < 2 || !oms.AllDigits(v) {
		return lintFail(0, ErrCheckDigit, "needs digits and a check digit")
	}
	want := gs1CheckDigit(v[:len(v)-1])
	if v[len(v)-1] != want {
		return lintFail(len(v)-1, ErrCheckDigit, "check digit is %c, want %c", v[len(v)-1], want)
	}
	return nil
}

// primes weigh the characters of an alphanumeric check character pair.
var primes = [...]int{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
	73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173,
	179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281,
	283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409,
	419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509}

// lintCsumalpha checks the GS1 alphanumeric check character pair (GMN,
// MUDI): CSET 82 values weighted by primes from the right, mod 1021, split
// into two CSET 32 characters.
func lintCsumalpha(v string) *lintError {
	n := len(v)
	if n < 2 {
		return lintFail(0, ErrCheckDigit, "too short for a check character pair")
	}
	if n-2 > len(primes) {
		return lintFail(0, ErrCheckDigit, "too long for a check character pair")
	}
	sum := 0
	for i := 0; i < n-2; i++ {
		if !cset82Table[v[i]] {
			return lintFail(i, ErrCharset, "%q is not in CSET 82", v[i])
		}
		sum += cset82Index[v[i]] * primes[n-3-i]
	}
	sum %= 1021
	want := string([]byte{cset32[sum>>5], cset32[sum&31]})
	if v[n-2:] != want {
		return lintFail(n-2, ErrCheckDigit, "check characters are %q, want %q", v[n-2:], want)
	}
	return nil
}

// gcpMinLength is the length of the shortest GS1 Company Prefix.
const gcpMinLength = 4

// lintGcppos1 checks that the component starts with a (syntactically
// possible) GS1 Company Prefix. Without a registry lookup that means at
// least four leading digits.
func lintGcppos1(v string) *lintError {
	if len(v) < gcpMinLength {
		return lintFail(0, ErrLint, "too short for a GS1 Company Prefix")
	}
	for i := 0; i < gcpMinLength; i++ {
		if v[i] < '0' || v[i] > '9' {
			return lintFail(i, ErrLint, "GS1 Company Prefix must be digits")
		}
	}
	return nil
}

// lintGcppos2 is lintGcppos1 from the second character (after the
// indicator digit or extension digit).
func lintGcppos2(v string) *lintError {
	if len(v) < 1 {
		return lintFail(0, ErrLint, "too short for a GS1 Company Prefix")
	}
	if e := lintGcppos1(v[1:]); e != nil {
		e.off++
		return e
	}
	return nil
}

// lintHasnondigit requires at least one non-digit.
func lintHasnondigit(v string) *lintError {
	if oms.AllDigits(v) {
		return lintFail(0, ErrLint, "must contain a non-digit character")
	}
	return nil
}

func twoDigits(v string, off int) (int, *lintError) {
	if len(v) < off+2 || !oms.AllDigits(v[off:off+2]) {
		return 0, lintFail(off, ErrBadDate, "needs two digits")
	}
	return int(v[off]-'0')*10 + int(v[off+1]-'0'), nil
}

func lintRange(v string, off, lo, hi int, what string) *lintError {
	n, e := twoDigits(v, off)
	if e != nil {
		return e
	}
	if n < lo || n > hi {
		return lintFail(off, ErrBadDate, "%s %02d out of range %02d-%02d", what, n, lo, hi)
	}
	return nil
}

// lintHh checks an hour 00-23.
func lintHh(v string) *lintError {
	if len(v) != 2 {
		return lintFail(0, ErrBadDate, "hour needs two digits")
	}
	return lintRange(v, 0, 0, 23, "hour")
}

// lintMi checks minutes 00-59.
func lintMi(v string) *lintError {
	if len(v) != 2 {
		return lintFail(0, ErrBadDate, "minutes need two digits")
	}
	return lintRange(v, 0, 0, 59, "minute")
}

// lintSs checks seconds 00-59.
func lintSs(v string) *lintError {
	if len(v) != 2 {
		return lintFail(0, ErrBadDate, "seconds need two digits")
	}
	return lintRange(v, 0, 0, 59, "second")
}

// lintHhmi checks a time HHMI.
func lintHhmi(v string) *lintError {
	if len(v) != 4 {
		return lintFail(0, ErrBadDate, "time needs four digits HHMI")
	}
	if e := lintRange(v, 0, 0, 23, "hour"); e != nil {
		return e
	}
	return lintRange(v, 2, 0, 59, "minute")
}

// daysIn returns the days in month m of a year that is leap or not.
func daysIn(m int, leap bool) int {
	switch m {
	case 2:
		if leap {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// lintDate checks YYMMDD (or YYYYMMDD when fullYear) and whether day 00 is
// allowed. A two-digit year is leap when divisible by four: GS1's century
// window keeps YY within -49/+50 years of today, and 2100 is outside it
// until 2050.
func lintDate(v string, fullYear, dayZero bool) *lintError {
	want := 6
	if fullYear {
		want = 8
	}
	if len(v) != want || !oms.AllDigits(v) {
		return lintFail(0, ErrBadDate, "date needs %d digits", want)
	}
	off := 0
	var leap bool
	if fullYear {
		y := 0
		for i := 0; i < 4; i++ {
			y = y*10 + int(v[i]-'0')
		}
		leap = isLeap(y)
		off = 2
	} else {
		yy := int(v[0]-'0')*10 + int(v[1]-'0')
		leap = yy%4 == 0
	}
	m := int(v[off+2]-'0')*10 + int(v[off+3]-'0')
	d := int(v[off+4]-'0')*10 + int(v[off+5]-'0')
	if m < 1 || m > 12 {
		return lintFail(off+2, ErrBadDate, "month %02d does not exist", m)
	}
	if d == 0 && dayZero {
		return nil
	}
	if d < 1 || d > daysIn(m, leap) {
		return lintFail(off+4, ErrBadDate, "day %02d does not exist in month %02d", d, m)
	}
	return nil
}

// lintYymmdd checks a date YYMMDD.
func lintYymmdd(v string) *lintError { return lintDate(v, false, false) }

// lintYymmd0 checks a date YYMMDD where DD may be 00 (meaning the last day
// of the month).
func lintYymmd0(v string) *lintError { return lintDate(v, false, true) }

// lintYyyymmdd checks a date YYYYMMDD.
func lintYyyymmdd(v string) *lintError { return lintDate(v, true, false) }

// lintHyphen requires hyphens only.
func lintHyphen(v string) *lintError {
	for i := 0; i < len(v); i++ {
		if v[i] != '-' {
			return lintFail(i, ErrLint, "only '-' is allowed here")
		}
	}
	return nil
}

// lintIban checks an International Bank Account Number (ISO 13616):
// country code, two check digits, upper-case BBAN, mod 97 == 1.
func lintIban(v string) *lintError {
	if len(v) < 5 {
		return lintFail(0, ErrLint, "IBAN too short")
	}
	if e := lintIso3166alpha2(v[:2]); e != nil {
		return lintFail(0, ErrLint, "IBAN country %q is not an ISO 3166 alpha-2 code", v[:2])
	}
	if !oms.AllDigits(v[2:4]) {
		return lintFail(2, ErrLint, "IBAN check digits must be digits")
	}
	for i := 4; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return lintFail(i, ErrLint, "IBAN allows only digits and upper-case letters")
		}
	}
	r := 0
	add := func(c byte) {
		if c >= 'A' {
			n := int(c-'A') + 10
			r = (r*100 + n) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	for i := 4; i < len(v); i++ {
		add(v[i])
	}
	for i := 0; i < 4; i++ {
		add(v[i])
	}
	if r != 1 {
		return lintFail(2, ErrCheckDigit, "IBAN check digits do not match")
	}
	return nil
}

// lintImporteridx checks the importer index of an EU 2018/574 facility or
// machine id: one of - 0-9 A-Z _ a-z.
func lintImporteridx(v string) *lintError {
	if len(v) != 1 {
		return lintFail(0, ErrLint, "importer index must be one character")
	}
	c := v[0]
	if c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
		return nil
	}
	return lintFail(0, ErrLint, "%q is not an importer index character", c)
}

func inSorted(list []string, v string) bool {
	i := sort.SearchStrings(list, v)
	return i < len(list) && list[i] == v
}

// iso3166Numeric lists the ISO 3166-1 numeric country codes.
var iso3166Numeric = strings.Fields(`004 008 010 012 016 020 024 028 031 032 036 040 044 048
050 051 052 056 060 064 068 070 072 074 076 084 086 090 092 096 100 104 108 112 116 120 124
132 136 140 144 148 152 156 158 162 166 170 174 175 178 180 184 188 191 192 196 203 204 208
212 214 218 222 226 231 232 233 234 238 239 242 246 248 250 254 258 260 262 266 268 270 275
276 288 292 296 300 304 308 312 316 320 324 328 332 334 336 340 344 348 352 356 360 364 368
372 376 380 384 388 392 398 400 404 408 410 414 417 418 422 426 428 430 434 438 440 442 446
450 454 458 462 466 470 474 478 480 484 492 496 498 499 500 504 508 512 516 520 524 528 531
533 534 535 540 548 554 558 562 566 570 574 578 580 581 583 584 585 586 591 598 600 604 608
612 616 620 624 626 630 634 638 642 643 646 652 654 659 660 662 663 666 670 674 678 682 686
688 690 694 702 703 704 705 706 710 716 724 728 729 732 740 744 748 752 756 760 762 764 768
772 776 780 784 788 792 795 796 798 800 804 807 818 826 831 832 833 834 840 850 854 858 860
862 876 882 887 894`)

// iso3166Alpha2 lists the ISO 3166-1 alpha-2 country codes.
var iso3166Alpha2 = strings.Fields(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF
BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW
CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM
GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH
KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP
MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN
PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
YT ZA ZM ZW`)

// iso4217Numeric lists the ISO 4217 numeric currency codes.
var iso4217Numeric = strings.Fields(`008 012 032 036 044 048 050 051 052 060 064 068 072 084 090
096 104 108 116 124 132 136 144 152 156 170 174 188 191 192 203 208 214 222 230 232 238 242 262
270 292 320 324 328 332 340 344 348 352 356 360 364 368 376 388 392 398 400 404 408 410 414 417
418 422 426 430 434 446 454 458 462 480 484 496 498 504 512 516 524 532 533 548 554 558 566 578
586 590 598 600 604 608 634 643 646 654 682 690 694 702 704 706 710 728 748 752 756 760 764 776
780 784 788 800 807 818 826 834 840 858 860 882 886 901 925 927 928 929 930 931 932 933 934 936
938 940 941 943 944 946 947 948 949 950 951 952 953 955 956 957 958 959 960 961 962 963 964 965
967 968 969 970 971 972 973 975 976 977 978 979 980 981 984 985 986 990 994 997 999`)

// packageTypes lists the GS1 PackageTypeCode values (UN/ECE Recommendation
// 21 plus GS1 additions), in byte order.
var packageTypes = func() []string {
	l := strings.Fields(`1A 1B 1D 1F 1G 1W 200 201 202 203 204 205 206 210 211 212 2C 3A 3H
43 44 4A 4B 4C 4D 4F 4G 4H 5H 5L 5M 6H 6P 7A 7B 8 8A 8B 8C 9 AA AB AC AD AF AG AH AI AJ AL AM
AP APE AT AV B4 BB BC BD BE BF BG BGE BH BI BJ BK BL BM BME BN BO BP BQ BR BRI BS BT BU BV BW
BX BY BZ CA CB CBL CC CCE CD CE CF CG CH CI CJ CK CL CM CN CO CP CQ CR CS CT CU CV CW CX CY CZ
DA DB DC DG DH DI DJ DK DL DM DN DP DPE DR DS DT DU DV DW DX DY E1 E2 E3 EC ED EE EF EG EH EI
EN FB FC FD FE FI FL FO FOB FP FPE FR FT FW FX GB GI GL GR GU GY GZ HA HB HC HG HN HR IA IB IC
ID IE IF IG IH IK IL IN IZ JB JC JG JR JT JY KG KI LAB LE LG LT LU LV LZ MA MB MC ME MPE MR MS
MT MW MX NA NE NF NG NS NT NU NV OA OB OC OD OE OF OK OPE OT OU P2 PA PAE PB PC PD PE PF PG PH
PI PJ PK PL PLP PN PO POP PP PPE PR PT PU PUE PV PX PY PZ QA QB QC QD QF QG QH QJ QK QL QM QN
QP QQ QR QS RB1 RB2 RB3 RCB RD RG RJ RK RL RO RT RZ S1 SA SB SC SD SE SEC SH SI SK SL SM SO SP
SS ST STL SU SV SW SX SY SZ T1 TB TC TD TE TEV TG THE TI TK TL TN TO TR TRE TS TT TTE TU TV TW
TWE TY TZ UC UN UUE VA VG VI VK VL VN VO VP VQ VR VS VY WA WB WC WD WF WG WH WJ WK WL WM WN WP
WQ WR WRP WS WT WU WV WW WX WY WZ X11 X12 X15 X16 X17 X18 X19 X20 X3 XA XB XC XD XF XG XH XJ
XK YA YB YC YD YF YG YH YJ YK YL YM YN YP YQ YR YS YT YV YW YX YY YZ ZA ZB ZC ZD ZF ZG ZH ZJ ZK
ZL ZM ZN ZP ZQ ZR ZS ZT ZU ZV ZW ZX ZY ZZ`)
	sort.Strings(l)
	return l
}()

// lintIso3166 checks an ISO 3166-1 numeric country code.
func lintIso3166(v string) *lintError {
	if !inSorted(iso3166Numeric, v) {
		return lintFail(0, ErrLint, "%q is not an ISO 3166 numeric country code", v)
	}
	return nil
}

// lintIso3166999 checks an ISO 3166-1 numeric country code or 999
// (unknown country).
func lintIso3166999(v string) *lintError {
	if v == "999" {
		return nil
	}
	return lintIso3166(v)
}

// lintIso3166alpha2 checks an ISO 3166-1 alpha-2 country code.
func lintIso3166alpha2(v string) *lintError {
	if !inSorted(iso3166Alpha2, v) {
		return lintFail(0, ErrLint, "%q is not an ISO 3166 alpha-2 country code", v)
	}
	return nil
}

// lintIso4217 checks an ISO 4217 numeric currency code.
func lintIso4217(v string) *lintError {
	if !inSorted(iso4217Numeric, v) {
		return lintFail(0, ErrLint, "%q is not an ISO 4217 numeric currency code", v)
	}
	return nil
}

// lintIso5218 checks a sex code: 0 not known, 1 male, 2 female, 9 not
// applicable.
func lintIso5218(v string) *lintError {
	switch v {
	case "0", "1", "2", "9":
		return nil
	}
	return lintFail(0, ErrLint, "%q is not an ISO 5218 code (0, 1, 2 or 9)", v)
}

func lintMaxDigits(v string, maxVal uint64, what string) *lintError {
	if len(v) != 10 || !oms.AllDigits(v) {
		return lintFail(0, ErrLint, "%s needs ten digits", what)
	}
	var n uint64
	for i := 0; i < len(v); i++ {
		n = n*10 + uint64(v[i]-'0')
	}
	if n > maxVal {
		return lintFail(0, ErrLint, "%s %s out of range", what, v)
	}
	return nil
}

// lintLatitude checks a latitude encoded as (degrees+90)*10^7, 0-1800000000.
func lintLatitude(v string) *lintError { return lintMaxDigits(v, 1800000000, "latitude") }

// lintLongitude checks a longitude encoded as (degrees+180)*10^7,
// 0-3600000000.
func lintLongitude(v string) *lintError { return lintMaxDigits(v, 3600000000, "longitude") }

// lintMediatype checks an AIDC media type: 01-10 or 80-99.
func lintMediatype(v string) *lintError {
	n, e := twoDigits(v, 0)
	if e == nil && len(v) == 2 && (n >= 1 && n <= 10 || n >= 80 && n <= 99) {
		return nil
	}
	return lintFail(0, ErrLint, "%q is not an AIDC media type", v)
}

// lintNonzero rejects a value of all zeros.
func lintNonzero(v string) *lintError {
	if strings.Trim(v, "0") == "" {
		return lintFail(0, ErrLint, "must not be zero")
	}
	return nil
}

// lintZero requires the value "0".
func lintZero(v string) *lintError {
	if v != "0" {
		return lintFail(0, ErrLint, "must be 0")
	}
	return nil
}

// lintNozeroprefix rejects a leading zero unless the value is "0".
func lintNozeroprefix(v string) *lintError {
	if len(v) > 1 && v[0] == '0' {
		return lintFail(0, ErrLint, "must not start with 0")
	}
	return nil
}

// lintPackagetype checks a GS1 PackageTypeCode.
func lintPackagetype(v string) *lintError {
	if !inSorted(packageTypes, v) {
		return lintFail(0, ErrLint, "%q is not a package type code", v)
	}
	return nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f'
}

// lintPcenc checks percent-encoding: every '%' starts a two-hex-digit escape.
func lintPcenc(v string) *lintError {
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			continue
		}
		if i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) {
			return lintFail(i, ErrLint, "'%%' must be followed by two hex digits")
		}
		i += 2
	}
	return nil
}

// lintPieceoftotal checks piece number (first half) and total count
// (second half): both non-zero, piece <= total.
func lintPieceoftotal(v string) *lintError {
	if len(v)%2 != 0 || len(v) == 0 || !oms.AllDigits(v) {
		return lintFail(0, ErrLint, "piece and total need an even number of digits")
	}
	h := len(v) / 2
	piece, total := v[:h], v[h:]
	if strings.Trim(piece, "0") == "" {
		return lintFail(0, ErrLint, "piece number must not be zero")
	}
	if strings.Trim(total, "0") == "" {
		return lintFail(h, ErrLint, "total count must not be zero")
	}
	if piece > total {
		return lintFail(0, ErrLint, "piece %s exceeds total %s", piece, total)
	}
	return nil
}

// lintPosinseqslash checks "position/total" (for example 1/2): digits
// around one slash, no leading zeros, 1 <= position <= total.
func lintPosinseqslash(v string) *lintError {
	pos, total, ok := strings.Cut(v, "/")
	if !ok || !oms.AllDigits(pos) || !oms.AllDigits(total) {
		return lintFail(0, ErrLint, "must be position/total, for example 1/2")
	}
	if pos[0] == '0' || total[0] == '0' {
		return lintFail(0, ErrLint, "position and total must not be or start with 0")
	}
	if len(pos) > len(total) || len(pos) == len(total) && pos > total {
		return lintFail(0, ErrLint, "position %s exceeds total %s", pos, total)
	}
	return nil
}

// lintWinding checks a winding direction: 0 face out, 1 face in, 9 unknown.
func lintWinding(v string) *lintError {
	switch v {
	case "0", "1", "9":
		return nil
	}
	return lintFail(0, ErrLint, "winding direction must be 0, 1 or 9")
}

// lintYesno checks a flag 0 or 1.
func lintYesno(v string) *lintError {
	if v == "0" || v == "1" {
		return nil
	}
	return lintFail(0, ErrLint, "must be 0 or 1")
}

// couponReader walks a coupon code's variable-length fields.
type couponReader struct {
	v string
	p int
}

func (r *couponReader) digit(what string) (int, *lintError) {
	if r.p >= len(r.v) {
		return 0, lintFail(r.p, ErrLint, "coupon %s missing", what)
	}
	d := int(r.v[r.p] - '0')
	r.p++
	return d, nil
}

func (r *couponReader) take(n int, what string) (string, *lintError) {
	if len(r.v)-r.p < n {
		return "", lintFail(r.p, ErrLint, "coupon %s truncated: needs %d digits", what, n)
	}
	s := r.v[r.p : r.p+n]
	r.p += n
	return s, nil
}

// vli reads a length indicator in lo..hi and the field it announces,
// which is vli+add digits long.
func (r *couponReader) vli(lo, hi, add int, what string) (string, *lintError) {
	at := r.p
	d, e := r.digit(what + " length indicator")
	if e != nil {
		return "", e
	}
	if d < lo || d > hi {
		return "", lintFail(at, ErrLint, "coupon %s length indicator %d out of range %d-%d", what, d, lo, hi)
	}
	return r.take(d+add, what)
}

func (r *couponReader) gcp(what string) *lintError {
	at := r.p
	s, e := r.vli(0, 6, 6, what)
	if e != nil {
		return e
	}
	if e := lintGcppos1(s); e != nil {
		e.off += at + 1
		return e
	}
	return nil
}

func (r *couponReader) codeIn(what string, ok func(int) bool) *lintError {
	at := r.p
	d, e := r.digit(what)
	if e != nil {
		return e
	}
	if !ok(d) {
		return lintFail(at, ErrLint, "coupon %s %d is not allowed", what, d)
	}
	return nil
}

func reqCode(d int) bool { return d <= 4 || d == 9 }

// purchase reads a purchase requirement, its code and family code.
func (r *couponReader) purchase(n string) *lintError {
	if _, e := r.vli(1, 5, 0, n+" purchase requirement"); e != nil {
		return e
	}
	if e := r.codeIn(n+" purchase requirement code", reqCode); e != nil {
		return e
	}
	_, e := r.take(3, n+" purchase family code")
	return e
}

// optionalGCP reads a GCP with indicator 0-6, or 9 for none.
func (r *couponReader) optionalGCP(what string) *lintError {
	if r.p < len(r.v) && r.v[r.p] == '9' {
		r.p++
		return nil
	}
	return r.gcp(what)
}

func (r *couponReader) date(what string) (string, *lintError) {
	at := r.p
	s, e := r.take(6, what)
	if e != nil {
		return "", e
	}
	if le := lintYymmdd(s); le != nil {
		le.off += at
		return "", le
	}
	return s, nil
}

// lintCouponcode checks the North American coupon code of AI (8110): GCP,
// offer code, save value, first purchase requirement, then optional fields
// 1-6 and 9 in order.
func lintCouponcode(v string) *lintError {
	if !oms.AllDigits(v) {
		return lintFail(0, ErrCharset, "coupon code must be digits")
	}
	r := &couponReader{v: v}
	if e := r.gcp("company prefix"); e != nil {
		return e
	}
	if _, e := r.take(6, "offer code"); e != nil {
		return e
	}
	if _, e := r.vli(1, 5, 0, "save value"); e != nil {
		return e
	}
	if e := r.purchase("first"); e != nil {
		return e
	}
	next := func(f byte) bool {
		if r.p < len(r.v) && r.v[r.p] == f {
			r.p++
			return true
		}
		return false
	}
	if next('1') {
		if e := r.codeIn("additional purchase rules code", func(d int) bool { return d <= 3 }); e != nil {
			return e
		}
		if e := r.purchase("second"); e != nil {
			return e
		}
		if e := r.optionalGCP("second purchase company prefix"); e != nil {
			return e
		}
	}
	if next('2') {
		if e := r.purchase("third"); e != nil {
			return e
		}
		if e := r.optionalGCP("third purchase company prefix"); e != nil {
			return e
		}
	}
	var expiry string
	if next('3') {
		s, e := r.date("expiration date")
		if e != nil {
			return e
		}
		expiry = s
	}
	if next('4') {
		at := r.p
		start, e := r.date("start date")
		if e != nil {
			return e
		}
		if expiry != "" && start > expiry {
			return lintFail(at, ErrLint, "coupon start date %s is after expiration date %s", start, expiry)
		}
	}
	if next('5') {
		if _, e := r.vli(0, 9, 6, "serial number"); e != nil {
			return e
		}
	}
	if next('6') {
		at := r.p
		s, e := r.vli(1, 7, 6, "retailer company prefix or GLN")
		if e != nil {
			return e
		}
		if le := lintGcppos1(s); le != nil {
			le.off += at + 1
			return le
		}
	}
	if next('9') {
		if e := r.codeIn("save value code", func(d int) bool { return d <= 2 || d == 5 || d == 6 }); e != nil {
			return e
		}
		if e := r.codeIn("save value applies to item", func(d int) bool { return d <= 2 }); e != nil {
			return e
		}
		if _, e := r.digit("store coupon flag"); e != nil {
			return e
		}
		if e := r.codeIn("don't multiply flag", func(d int) bool { return d <= 1 }); e != nil {
			return e
		}
	}
	if r.p != len(v) {
		return lintFail(r.p, ErrLint, "coupon has unexpected data after its fields")
	}
	return nil
}

// lintCouponposoffer checks the positive offer file coupon code of AI
// (8112): format 0/1, funder id, offer code, serial number, nothing more.
func lintCouponposoffer(v string) *lintError {
	if !oms.AllDigits(v) {
		return lintFail(0, ErrCharset, "coupon code must be digits")
	}
	r := &couponReader{v: v}
	if e := r.codeIn("format code", func(d int) bool { return d <= 1 }); e != nil {
		return e
	}
	if _, e := r.vli(0, 6, 6, "funder id"); e != nil {
		return e
	}
	if _, e := r.take(6, "offer code"); e != nil {
		return e
	}
	if _, e := r.vli(0, 9, 6, "serial number"); e != nil {
		return e
	}
	if r.p != len(v) {
		return lintFail(r.p, ErrLint, "coupon has unexpected data after the serial number")
	}
	return nil
}
