package printers

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DPI is a printer's resolution in dots per inch.
type DPI int

// The resolutions Zebra printers are built with.
const (
	DPI203 DPI = 203
	DPI300 DPI = 300
	DPI600 DPI = 600
)

// ParseDPI accepts "203", "300" or "600".
func ParseDPI(s string) (DPI, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("dpi %q: want 203, 300 or 600", s)
	}
	d := DPI(n)
	if !d.Valid() {
		return 0, fmt.Errorf("dpi %d: want 203, 300 or 600", n)
	}
	return d, nil
}

// Valid reports whether d is a resolution the builder supports.
func (d DPI) Valid() bool { return d == DPI203 || d == DPI300 || d == DPI600 }

// DotsPerMM is the exact dot pitch the printer uses: 8, 12 or 24 dots/mm.
// Zebra heads are built to these pitches, not to dpi/25.4.
func (d DPI) DotsPerMM() int {
	switch d {
	case DPI300:
		return 12
	case DPI600:
		return 24
	default:
		return 8
	}
}

// Dots converts millimetres to dots at this resolution.
func (d DPI) Dots(mm float64) int {
	return int(math.Round(mm * float64(d.DotsPerMM())))
}

// MaxFieldBytes is the largest ^FD payload (after hex escaping) the builder
// writes; Zebra firmware limits a field to 3072 bytes.
const MaxFieldBytes = 3072

// MaxTextRunes is the longest text the builder accepts for one field; text
// longer than the space on the label is truncated, text longer than this is
// an error because it is certainly not a name, an address or a title.
const MaxTextRunes = 500

// Label is a typed builder for one ZPL document (one or more labels).
// Methods record the first error and become no-ops after it, like bufio.Writer;
// Bytes returns it.
type Label struct {
	font     Font
	dpi      DPI
	buf      []byte
	err      error
	barcodes []Barcode
	open     bool
	count    int
	width    int // print width of the open label in dots
}

// Symbology names a barcode type the builder can print.
type Symbology string

// The symbologies the builder prints.
const (
	SymCode128    Symbology = "code128"
	SymGS1128     Symbology = "gs1-128"
	SymEAN13      Symbology = "ean13"
	SymDataMatrix Symbology = "datamatrix"
	SymGS1DM      Symbology = "gs1-datamatrix"
	SymQR         Symbology = "qr"
)

// Barcode records a barcode the builder placed, with the text a scanner must
// read back from it. For GS1 symbols Want is the element string with ASCII 29
// (GS) where an FNC1 separator stands, without the symbology identifier.
type Barcode struct {
	Label int // index of the label (^XA...^XZ) within the document
	Field string
	Sym   Symbology
	X, Y  int // origin in dots
	Want  string
}

// NewLabel starts a builder for the given resolution.
func NewLabel(dpi DPI) *Label {
	l := &Label{dpi: dpi, buf: make([]byte, 0, 2048), font: FontScalable}
	if !dpi.Valid() {
		l.err = fmt.Errorf("dpi %d: want 203, 300 or 600", dpi)
	}
	return l
}

// Font is a printer font for Text and Block: ID is the ZPL font name and
// Aspect the character width as a fraction of its height.
type Font struct {
	ID     byte
	Aspect float64
}

// The fonts the builder offers. Font 0 (CG Triumvirate Bold Condensed) is
// the scalable font every Zebra has and the one ^CI28 maps most of Unicode
// Latin, Greek and Cyrillic onto.
var (
	FontScalable  = Font{ID: '0', Aspect: 1}
	FontCondensed = Font{ID: '0', Aspect: 0.75}
	FontWide      = Font{ID: '0', Aspect: 1.3}
)

// FontNamed returns "scalable", "condensed" or "wide".
func FontNamed(name string) (Font, error) {
	switch name {
	case "scalable", "":
		return FontScalable, nil
	case "condensed":
		return FontCondensed, nil
	case "wide":
		return FontWide, nil
	}
	return Font{}, fmt.Errorf("%w: font %q (have scalable, condensed, wide)", ErrInvalidData, name)
}

// SetFont sets the font of the Text and Block elements that follow.
func (l *Label) SetFont(f Font) {
	if f.Aspect <= 0 || f.Aspect > 4 || !(f.ID >= '0' && f.ID <= '9' || f.ID >= 'A' && f.ID <= 'Z') {
		l.fail("font", fmt.Errorf("%w: font %q aspect %g", ErrInvalidData, f.ID, f.Aspect))
		return
	}
	l.font = f
}

// DPI returns the resolution the label is built for.
func (l *Label) DPI() DPI { return l.dpi }

// Err returns the first error met while building.
func (l *Label) Err() error { return l.err }

// Barcodes returns the barcodes placed so far.
func (l *Label) Barcodes() []Barcode { return l.barcodes }

// Bytes returns the ZPL built so far, or the first error. It fails if a label
// was started and not ended.
func (l *Label) Bytes() ([]byte, error) {
	if l.err != nil {
		return nil, l.err
	}
	if l.open {
		return nil, fmt.Errorf("zpl: label %d not ended", l.count)
	}
	return l.buf, nil
}

func (l *Label) fail(field string, err error) {
	if l.err == nil {
		if field != "" {
			err = fmt.Errorf("%s: %w", field, err)
		}
		l.err = err
	}
}

func (l *Label) num(n int) { l.buf = strconv.AppendInt(l.buf, int64(n), 10) }

func (l *Label) dots(mm float64) int { return l.dpi.Dots(mm) }

func (l *Label) origin(x, y float64) {
	l.buf = append(l.buf, "^FO"...)
	l.num(l.dots(x))
	l.buf = append(l.buf, ',')
	l.num(l.dots(y))
}

// Start opens a label of the given size: ^XA, UTF-8 (^CI28), print width,
// label length and home at 0,0.
func (l *Label) Start(widthMM, heightMM float64) {
	if l.err != nil {
		return
	}
	if l.open {
		l.fail("", fmt.Errorf("zpl: label %d started twice", l.count))
		return
	}
	if widthMM <= 0 || heightMM <= 0 || widthMM > 220 || heightMM > 1000 {
		l.fail("", fmt.Errorf("zpl: label size %gx%g mm out of range", widthMM, heightMM))
		return
	}
	l.open = true
	l.width = l.dots(widthMM)
	l.buf = append(l.buf, "^XA^CI28^PW"...)
	l.num(l.width)
	l.buf = append(l.buf, "^LL"...)
	l.num(l.dots(heightMM))
	l.buf = append(l.buf, "^LH0,0"...)
}

// End closes the current label with ^XZ.
func (l *Label) End() {
	if l.err != nil {
		return
	}
	if !l.open {
		l.fail("", fmt.Errorf("zpl: end without start"))
		return
	}
	l.open = false
	l.count++
	l.buf = append(l.buf, "^XZ\n"...)
}

func (l *Label) needOpen(field string) bool {
	if l.err != nil {
		return false
	}
	if !l.open {
		l.fail(field, fmt.Errorf("zpl: element outside ^XA...^XZ"))
		return false
	}
	return true
}

// Text prints one line of text at x,y with a character height of h mm,
// truncated with "..." so that it fits in w mm. It is a plain field, not a
// ^FB block, so a backslash in a name prints as it is.
func (l *Label) Text(x, y, w, h float64, field, value string) {
	if !l.needOpen(field) {
		return
	}
	clean, err := cleanText(value)
	if err != nil {
		l.fail(field, err)
		return
	}
	hd, cw := l.fontDots(h)
	line := wrapText(clean, float64(l.dots(w)), float64(cw), 1)[0]
	l.origin(x, y)
	l.fontCmd(hd, cw)
	l.buf = append(l.buf, "^FH^FD"...)
	start := len(l.buf)
	l.buf = AppendFieldHex(l.buf, line)
	if len(l.buf)-start > MaxFieldBytes {
		l.fail(field, fmt.Errorf("%d bytes after escaping, limit %d: %w", len(l.buf)-start, MaxFieldBytes, ErrFieldTooLong))
		return
	}
	l.buf = append(l.buf, "^FS"...)
}

func (l *Label) fontDots(h float64) (height, width int) {
	hd := l.dots(h)
	return hd, max(int(float64(hd)*l.font.Aspect+0.5), 1)
}

func (l *Label) fontCmd(hd, cw int) {
	l.buf = append(l.buf, "^A"...)
	l.buf = append(l.buf, l.font.ID, 'N', ',')
	l.num(hd)
	l.buf = append(l.buf, ',')
	l.num(cw)
}

// Block prints text wrapped at word boundaries into at most lines lines of
// width w mm (a ^FB field block); text that does not fit is truncated with
// "...". Inside ^FB a backslash starts an escape ("\&" is a line break), and
// firmware differs in whether that is seen before or after ^FH decoding, so
// a backslash in block text prints as '/'.
func (l *Label) Block(x, y, w, h float64, lines int, field, value string) {
	if !l.needOpen(field) {
		return
	}
	if lines < 1 || lines > 50 {
		l.fail(field, fmt.Errorf("zpl: block of %d lines", lines))
		return
	}
	clean, err := cleanText(value)
	if err != nil {
		l.fail(field, err)
		return
	}
	hd, cw := l.fontDots(h)
	wd := l.dots(w)
	wrapped := wrapText(clean, float64(wd), float64(cw), lines)
	l.origin(x, y)
	l.fontCmd(hd, cw)
	l.buf = append(l.buf, "^FB"...)
	l.num(wd)
	l.buf = append(l.buf, ',')
	l.num(lines)
	l.buf = append(l.buf, ",0,L,0^FH^FD"...)
	start := len(l.buf)
	for i, line := range wrapped {
		if i > 0 {
			l.buf = append(l.buf, `\&`...)
		}
		l.buf = appendBlockHex(l.buf, line)
	}
	if len(l.buf)-start > MaxFieldBytes {
		l.fail(field, fmt.Errorf("%d bytes after escaping, limit %d: %w", len(l.buf)-start, MaxFieldBytes, ErrFieldTooLong))
		return
	}
	l.buf = append(l.buf, "^FS"...)
}

// Box draws a rectangle of w x h mm with a border of t mm; a box with a
// height or width equal to t is a line.
func (l *Label) Box(x, y, w, h, t float64) {
	if !l.needOpen("") {
		return
	}
	td := max(l.dots(t), 1)
	wd := max(l.dots(w), td)
	hd := max(l.dots(h), td)
	l.origin(x, y)
	l.buf = append(l.buf, "^GB"...)
	l.num(wd)
	l.buf = append(l.buf, ',')
	l.num(hd)
	l.buf = append(l.buf, ',')
	l.num(td)
	l.buf = append(l.buf, "^FS"...)
}

// HLine draws a horizontal line w mm long and t mm thick.
func (l *Label) HLine(x, y, w, t float64) { l.Box(x, y, w, t, t) }

// VLine draws a vertical line h mm long and t mm thick.
func (l *Label) VLine(x, y, h, t float64) { l.Box(x, y, t, h, t) }

// moduleDots converts a module (narrow bar) width to dots, at least 1 and at
// most 10, the ^BY range.
func (l *Label) moduleDots(module float64) int {
	return min(max(l.dots(module), 1), 10)
}

func (l *Label) barcode(field string, sym Symbology, x, y float64, want string) {
	l.barcodes = append(l.barcodes, Barcode{Label: l.count, Field: field, Sym: sym, X: l.dots(x), Y: l.dots(y), Want: want})
}

// Code128 prints a Code 128 barcode h mm high with modules of module mm;
// hr adds the human-readable line under it. The printer picks subsets
// (^BC mode A). Data must be printable ASCII without '>'.
func (l *Label) Code128(x, y, h, module float64, hr bool, field, data string) {
	if !l.needOpen(field) {
		return
	}
	if err := checkCode128(data); err != nil {
		l.fail(field, err)
		return
	}
	opts := ",N,N,N,A^FH^FD"
	if hr {
		opts = ",Y,N,N,A^FH^FD"
	}
	l.linear(x, y, h, module, "^BCN,", opts)
	l.buf = AppendFieldHex(l.buf, data)
	l.buf = append(l.buf, "^FS"...)
	l.barcode(field, SymCode128, x, y, data)
}

// linear starts a 1D barcode field at x,y: module width and height (^BY),
// origin, the barcode command cmd, its height in dots and then opts (the
// rest of its parameters up to ^FD).
func (l *Label) linear(x, y, h, module float64, cmd, opts string) {
	l.buf = append(l.buf, "^BY"...)
	l.num(l.moduleDots(module))
	l.buf = append(l.buf, ",3,"...)
	l.num(l.dots(h))
	l.origin(x, y)
	l.buf = append(l.buf, cmd...)
	l.num(l.dots(h))
	l.buf = append(l.buf, opts...)
}

// GS1128 prints a GS1-128 barcode (Code 128 with FNC1) of the given element
// strings, with the human-readable line "(00)...". ^BC mode D starts the
// symbol with FNC1; an FNC1 (">8") follows every variable-length element
// that is not last.
func (l *Label) GS1128(x, y, h, module float64, field string, elems ...GS1Element) {
	want, ok := l.gs1Elements(field, elems)
	if !ok {
		return
	}
	l.linear(x, y, h, module, "^BCN,", ",Y,N,N,D^FH^FD")
	l.appendGS1(elems, true, ">8")
	l.buf = append(l.buf, "^FS"...)
	l.barcode(field, SymGS1128, x, y, want)
}

// gs1Elements checks that a label is open and elems are valid, and returns
// the element string a scanner must read; false after recording the error.
func (l *Label) gs1Elements(field string, elems []GS1Element) (string, bool) {
	if !l.needOpen(field) {
		return "", false
	}
	want, err := GS1ElementString(elems)
	if err != nil {
		l.fail(field, err)
		return "", false
	}
	return want, true
}

// appendGS1 appends checked element strings as ^FD data: each AI (in
// brackets when bracketed, for ^BC mode D), its value hex-escaped, and fnc1
// after every variable-length element that is not last.
func (l *Label) appendGS1(elems []GS1Element, bracketed bool, fnc1 string) {
	for i, e := range elems {
		if bracketed {
			l.buf = append(l.buf, '(')
		}
		l.buf = append(l.buf, e.AI...)
		if bracketed {
			l.buf = append(l.buf, ')')
		}
		l.buf = AppendFieldHex(l.buf, e.Value)
		if i < len(elems)-1 && !gs1Fixed(e.AI) {
			l.buf = append(l.buf, fnc1...)
		}
	}
}

// EAN13 prints an EAN-13 barcode. data is 12 digits (the printer adds the
// check digit) or 13 digits with a correct check digit.
func (l *Label) EAN13(x, y, h, module float64, field, data string) {
	if !l.needOpen(field) {
		return
	}
	full, err := ean13(data)
	if err != nil {
		l.fail(field, err)
		return
	}
	l.linear(x, y, h, module, "^BEN,", ",Y,N^FH^FD")
	l.buf = append(l.buf, full[:12]...)
	l.buf = append(l.buf, "^FS"...)
	l.barcode(field, SymEAN13, x, y, full)
}

// dmEscape is the ^BX escape character; "#1" is FNC1 inside the data.
const dmEscape = '#'

// DataMatrix prints an ECC 200 DataMatrix with modules of module mm. Data is
// printable ASCII without '#', the symbol's escape character.
func (l *Label) DataMatrix(x, y, module float64, field, data string) {
	if !l.needOpen(field) {
		return
	}
	if err := check2D(data, 1500); err != nil {
		l.fail(field, err)
		return
	}
	if strings.IndexByte(data, dmEscape) >= 0 {
		l.fail(field, fmt.Errorf("%w: DataMatrix data may not contain '#'", ErrInvalidData))
		return
	}
	l.dm(x, y, module)
	l.buf = AppendFieldHex(l.buf, data)
	l.buf = append(l.buf, "^FS"...)
	l.barcode(field, SymDataMatrix, x, y, data)
}

func (l *Label) dm(x, y, module float64) {
	l.origin(x, y)
	l.buf = append(l.buf, "^BXN,"...)
	l.num(l.moduleDots(module))
	l.buf = append(l.buf, ",200,,,,#^FH^FD"...)
}

// DataMatrixGS1 prints a GS1 DataMatrix: FNC1 first, then the element
// strings with FNC1 after each variable-length element that is not last.
func (l *Label) DataMatrixGS1(x, y, module float64, field string, elems ...GS1Element) {
	want, ok := l.gs1Elements(field, elems)
	if !ok {
		return
	}
	l.dm(x, y, module)
	l.buf = append(l.buf, "#1"...)
	l.appendGS1(elems, false, "#1")
	l.buf = append(l.buf, "^FS"...)
	l.barcode(field, SymGS1DM, x, y, want)
}

// QR prints a QR code (model 2, error correction M) with modules of module
// mm. ZPL's ^BQ has no FNC1 mode, so GS1 data belongs in DataMatrixGS1;
// QR carries URLs such as a returns portal link.
func (l *Label) QR(x, y, module float64, field, data string) {
	if !l.needOpen(field) {
		return
	}
	if err := check2D(data, 1000); err != nil {
		l.fail(field, err)
		return
	}
	// ^BQ takes no ^BY, but renderers offset the symbol by the ^BY bar
	// height; reset it to the printer default so placement is predictable.
	l.buf = append(l.buf, "^BY2,3,10"...)
	l.origin(x, y)
	l.buf = append(l.buf, "^BQN,2,"...)
	l.num(l.moduleDots(module))
	l.buf = append(l.buf, "^FH^FDMA,"...)
	l.buf = AppendFieldHex(l.buf, data)
	l.buf = append(l.buf, "^FS"...)
	l.barcode(field, SymQR, x, y, data)
}

// Comment writes a ^FX comment; text is limited to letters, digits and
// " -_.:=/" so it can never end the comment early.
func (l *Label) Comment(text string) {
	if !l.needOpen("comment") {
		return
	}
	if !commentSafe(text) {
		l.fail("comment", fmt.Errorf("%w: comment %q has characters outside [A-Za-z0-9 -_.:=/]", ErrInvalidData, text))
		return
	}
	l.buf = append(l.buf, "^FX"...)
	l.buf = append(l.buf, text...)
	l.buf = append(l.buf, "^FS"...)
}

func commentSafe(s string) bool {
	if len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(" -_.:=/", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789ABCDEF"

// AppendFieldHex appends s escaped for a ^FH field (indicator '_'): '^', '~',
// '_', '\' (the ^FB line-break escape), control bytes and every byte of a
// non-ASCII character become _XX, so nothing in s can act as a command.
// Under ^CI28 the escaped bytes are UTF-8 and print as the characters.
func AppendFieldHex(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '^' || c == '~' || c == '_' || c == '\\' {
			dst = append(dst, '_', hexDigits[c>>4], hexDigits[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// appendBlockHex is AppendFieldHex for a ^FB field block, where a
// backslash is written as '/' (see Block).
func appendBlockHex(dst []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, '\\')
		if i < 0 {
			return AppendFieldHex(dst, s)
		}
		dst = AppendFieldHex(dst, s[:i])
		dst = append(dst, '/')
		s = s[i+1:]
	}
}

// cleanText checks text for a label: valid UTF-8, at most MaxTextRunes, with
// control characters (tabs, newlines) turned into spaces.
func cleanText(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrInvalidData)
	}
	if n := utf8.RuneCountInString(s); n > MaxTextRunes {
		return "", fmt.Errorf("%d characters, limit %d: %w", n, MaxTextRunes, ErrFieldTooLong)
	}
	if strings.IndexFunc(s, isCtl) < 0 {
		return s, nil
	}
	return strings.Map(func(r rune) rune {
		if isCtl(r) {
			return ' '
		}
		return r
	}, s), nil
}

func isCtl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// runeWidth estimates a character's advance in units of the font height for
// font 0 (condensed): narrow for Latin, full for CJK and emoji.
func runeWidth(r rune) float64 {
	switch {
	case r < 0x1100:
		return 0.6
	default:
		return 1.05
	}
}

// wrapText breaks s into at most lines lines that fit width dots at font
// width h dots, cutting the last with "..." when s does not fit.
func wrapText(s string, width, h float64, lines int) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return []string{""}
	}
	words := strings.Fields(s)
	var out []string
	var cur strings.Builder
	curW := 0.0
	space := 0.6 * h
	truncated := false
	for wi := 0; wi < len(words); wi++ {
		w := words[wi]
		ww := 0.0
		for _, r := range w {
			ww += runeWidth(r) * h
		}
		need := ww
		if cur.Len() > 0 {
			need += space
		}
		if curW+need <= width {
			if cur.Len() > 0 {
				cur.WriteByte(' ')
			}
			cur.WriteString(w)
			curW += need
			continue
		}
		if cur.Len() > 0 {
			if len(out)+1 == lines {
				truncated = true
				break
			}
			out = append(out, cur.String())
			cur.Reset()
			curW = 0
			wi--
			continue
		}
		// A single word wider than the line: hard-break it.
		part, rest := cutWidth(w, width, h)
		if part == "" {
			part, rest = string([]rune(w)[:1]), string([]rune(w)[1:])
		}
		if len(out)+1 == lines {
			cur.WriteString(part)
			truncated = true
			break
		}
		out = append(out, part)
		words[wi] = rest
		wi--
	}
	if cur.Len() > 0 {
		last := cur.String()
		if truncated {
			last = ellipsis(last, width, h)
		}
		out = append(out, last)
	}
	return out
}

func cutWidth(w string, width, h float64) (string, string) {
	acc := 0.0
	for i, r := range w {
		acc += runeWidth(r) * h
		if acc > width {
			return w[:i], w[i:]
		}
	}
	return w, ""
}

func ellipsis(s string, width, h float64) string {
	dots := 3 * 0.6 * h
	part, _ := cutWidth(s, width-dots, h)
	return strings.TrimRight(part, " ") + "..."
}

func checkCode128(data string) error {
	if data == "" {
		return fmt.Errorf("%w: empty barcode data", ErrInvalidData)
	}
	if len(data) > 80 {
		return fmt.Errorf("%d characters, limit 80 for Code 128: %w", len(data), ErrFieldTooLong)
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c < 0x20 || c > 0x7e || c == '>' {
			return fmt.Errorf("%w: Code 128 data may hold printable ASCII except '>', found %q at %d", ErrInvalidData, c, i)
		}
	}
	return nil
}

func check2D(data string, limit int) error {
	if data == "" {
		return fmt.Errorf("%w: empty barcode data", ErrInvalidData)
	}
	if len(data) > limit {
		return fmt.Errorf("%d characters, limit %d: %w", len(data), limit, ErrFieldTooLong)
	}
	for i := 0; i < len(data); i++ {
		if c := data[i]; c < 0x20 || c > 0x7e {
			return fmt.Errorf("%w: 2D barcode data may hold printable ASCII only, found %q at %d", ErrInvalidData, c, i)
		}
	}
	return nil
}
