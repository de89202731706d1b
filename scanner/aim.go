package scanner

// AIM symbology identifiers (ISO/IEC 15424): "]" + code character +
// modifier, sent by a scanner in front of the data when configured to.

// aimID is a parsed symbology identifier.
type aimID struct {
	id   string // "]C1", or "" when the scan has none
	name string // symbology name for Scan.Symbology
	gs1  bool   // the data is GS1 element strings (FNC1 in first position)
}

// aimNames maps the code character to the symbology; modifiers refine it
// in parseAIM.
var aimNames = map[byte]string{
	'A': "code39",
	'C': "code128",
	'd': "datamatrix",
	'E': "ean-upc",
	'e': "gs1-databar",
	'F': "codabar",
	'G': "code93",
	'H': "code11",
	'I': "itf",
	'J': "dotcode",
	'L': "pdf417",
	'M': "msi",
	'Q': "qr",
	'z': "aztec",
	'X': "other",
}

// parseAIM reads and removes a leading AIM symbology identifier.
func parseAIM(raw string) (aimID, string) {
	if len(raw) < 3 || raw[0] != ']' {
		return aimID{name: "unknown"}, raw
	}
	code, mod := raw[1], raw[2]
	name, ok := aimNames[code]
	if !ok || !(mod >= '0' && mod <= '9' || mod >= 'A' && mod <= 'Z' || mod >= 'a' && mod <= 'z') {
		return aimID{name: "unknown"}, raw
	}
	a := aimID{id: raw[:3], name: name}
	switch {
	case code == 'C' && mod == '1':
		a.name, a.gs1 = "gs1-128", true
	case code == 'd' && mod == '2':
		a.name, a.gs1 = "gs1-datamatrix", true
	case code == 'Q' && mod == '3':
		a.name, a.gs1 = "gs1-qr", true
	case code == 'e':
		a.gs1 = true // every GS1 DataBar carries element strings
	case code == 'J' && mod == '1':
		a.name, a.gs1 = "gs1-dotcode", true
	case code == 'z' && mod == 'C':
		a.name, a.gs1 = "gs1-aztec", true
	case code == 'E' && mod == '4':
		a.name = "ean-8"
	case code == 'E' && mod == '0':
		a.name = "ean-13"
	case code == 'E' && mod == '3':
		a.name = "ean-13+addon"
	case code == 'I' && mod == '1':
		a.name = "itf" // with check digit: ITF-14 carries a GTIN
	}
	return a, raw[3:]
}
