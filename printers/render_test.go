package printers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// renderCase is one label document for the independent rendering check.
type renderCase struct {
	name     string
	template string
	dpi      DPI
	data     LabelData
	// scans spells out, by field, the text a barcode must scan as, beside
	// what the builder recorded for it (Barcode.Want), so that a wrong
	// Want cannot pass unnoticed.
	scans map[string]string
}

func renderCases(t *testing.T) []renderCase {
	t.Helper()
	var cases []renderCase
	for _, name := range TemplateNames() {
		for _, dpi := range []DPI{DPI203, DPI300} {
			d, err := DemoData(name)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, renderCase{name: fmt.Sprintf("%s-%d", name, dpi), template: name, dpi: dpi, data: d})
		}
	}
	inj := injectionShipping()
	cases = append(cases, renderCase{name: "injection-203", template: "shipping", dpi: DPI203, data: inj})
	// USPS IMpb labels: ZIP+4 at 203 dpi is the widest barcode at the
	// coarsest module. GS1-128 scans as "]C1" (the leading FNC1), then
	// 420 and the ZIP, GS for the FNC1 after it, then the IMpb.
	cases = append(cases,
		renderCase{"usps-zip4-203", "shipping", DPI203, uspsShipping("20500-0003", "9205590164917312751089"),
			map[string]string{"tracking_number": "]C1420205000003\x1d9205590164917312751089"}},
		renderCase{"usps-zip5-300", "shipping", DPI300, uspsShipping("20500", "9300101234500000000424"),
			map[string]string{"tracking_number": "]C142020500\x1d9300101234500000000424"}},
	)
	return cases
}

// TestRenderAndScan renders every default template at 203 and 300 dpi with
// zpl-renderer-js (zebrash compiled to WASM, run by node) and decodes every
// barcode on the PNGs with gozxing: the decoded text, symbology identifier
// and GS1 FNC1 separators included, must equal what the label was built from.
func TestRenderAndScan(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: the ZPL rendering check needs Node.js 20+ (see docs/printers.md)")
	}
	harness, err := filepath.Abs(filepath.Join("internal", "zplrender"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(harness, "node_modules", "zpl-renderer-js", "package.json")); err != nil {
		t.Fatalf("zpl-renderer-js is not installed in %s: run scripts/testdeps.d/printers.sh (npm ci from the committed lock file)", harness)
	}
	ts, err := DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	type job struct {
		ZPL      string  `json:"zpl"`
		WidthMM  float64 `json:"widthMm"`
		HeightMM float64 `json:"heightMm"`
		DPMM     int     `json:"dpmm"`
		Out      string  `json:"out"`
	}
	cases := renderCases(t)
	var jobs []job
	var rendered []*Rendered
	for _, c := range cases {
		r, err := ts.Render(c.template, c.dpi, c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		// Every barcode on the label must be one the builder recorded, or
		// it would print without being scanned here.
		if n := barcodeCommands(r.ZPL); n != len(r.Barcodes) {
			t.Errorf("%s: %d barcode commands in the ZPL, %d recorded for the scan check", c.name, n, len(r.Barcodes))
		}
		spec := specs[c.template]
		rendered = append(rendered, r)
		jobs = append(jobs, job{string(r.ZPL), spec.widthMM, spec.heightMM, c.dpi.DotsPerMM(), filepath.Join(dir, c.name)})
	}
	in, _ := json.Marshal(jobs)
	cmd := exec.Command(node, filepath.Join(harness, "render.cjs"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node render.cjs: %v\n%s", err, stderr.String())
	}
	var res struct{ Files [][]string }
	if err := json.Unmarshal(out, &res); err != nil || len(res.Files) != len(cases) {
		t.Fatalf("render.cjs answer %q: %v", out, err)
	}
	for i, c := range cases {
		r := rendered[i]
		if len(res.Files[i]) != r.Labels {
			t.Errorf("%s: renderer made %d images, want %d labels", c.name, len(res.Files[i]), r.Labels)
			continue
		}
		if len(r.Barcodes) == 0 {
			t.Errorf("%s: no barcodes", c.name)
		}
		imgs := make([]image.Image, len(res.Files[i]))
		for k, f := range res.Files[i] {
			imgs[k] = loadPNG(t, f)
		}
		scanned := map[string]bool{}
		for _, bc := range r.Barcodes {
			got, sym, bounds, err := decodeAt(imgs[bc.Label], bc, c.dpi)
			if err != nil {
				t.Errorf("%s label %d: %s %s at %d,%d: %v", c.name, bc.Label, bc.Sym, bc.Field, bc.X, bc.Y, err)
				continue
			}
			wantText, wantSym := expectedScan(bc)
			if got != wantText || sym != wantSym {
				t.Errorf("%s: %s %s scanned %q (%s), want %q (%s)", c.name, bc.Sym, bc.Field, got, sym, wantText, wantSym)
			}
			if want, ok := c.scans[bc.Field]; ok {
				scanned[bc.Field] = true
				if got != want {
					t.Errorf("%s: %s scanned %q, want exactly %q", c.name, bc.Field, got, want)
				}
			}
			if d, ok := c.data.(*ShippingLabel); ok && d.IMpb() && bc.Field == "tracking_number" {
				zip, _ := USZIP(d.ShipTo.PostalCode)
				checkIMpbPrint(t, c, len(zip), bounds, imgs[bc.Label].Bounds().Dx())
			}
		}
		for f := range c.scans {
			if !scanned[f] {
				t.Errorf("%s: no %s barcode scanned", c.name, f)
			}
		}
	}
}

// checkIMpbPrint checks an IMpb as the renderer drew it against
// Publication 199: all of it Code 128 subset C (its width a whole number of
// modules of impbModules), a module of 13 to 21 mils, and quiet zones of
// at least 1/8 inch and ten modules to the label's edges.
func checkIMpbPrint(t *testing.T, c renderCase, zipLen int, r image.Rectangle, labelDots int) {
	t.Helper()
	modules := impbModules(zipLen)
	x := r.Dx() / modules
	if x*modules != r.Dx() {
		t.Errorf("%s: IMpb %d dots wide, not a whole number of its %d subset C modules", c.name, r.Dx(), modules)
		return
	}
	if inch := float64(x) / float64(c.dpi); inch < 0.013 || inch > 0.021 {
		t.Errorf("%s: IMpb module %d dots = %.4f in, want 0.013 to 0.021", c.name, x, inch)
	}
	quiet := max(c.dpi.Dots(3.175), 10*x)
	if r.Min.X < quiet || labelDots-r.Max.X < quiet {
		t.Errorf("%s: IMpb from dot %d to %d of %d, quiet zones under %d dots", c.name, r.Min.X, r.Max.X, labelDots, quiet)
	}
	if h := float64(r.Dy()) / float64(c.dpi); h < 0.75 {
		t.Errorf("%s: IMpb bars %.3f in high, want at least 0.75", c.name, h)
	}
}

// barcodeCommands counts the ZPL barcode commands the builder emits (^BC,
// ^BE, ^BX, ^BQ); field data cannot fake one, '^' in it is escaped.
func barcodeCommands(zpl []byte) int {
	n := 0
	for _, cmd := range []string{"^BC", "^BE", "^BX", "^BQ"} {
		n += bytes.Count(zpl, []byte(cmd))
	}
	return n
}

// expectedScan is what a GS1-aware scanner reports for a barcode: the text
// (with "]C1" in front for GS1-128, as ZXing reports it, and the leading FNC1
// as GS for GS1 DataMatrix) and the AIM symbology identifier.
func expectedScan(bc Barcode) (string, string) {
	switch bc.Sym {
	case SymGS1128:
		return "]C1" + bc.Want, "]C1"
	case SymCode128:
		return bc.Want, "]C0"
	case SymEAN13:
		return bc.Want, "]E0"
	case SymGS1DM:
		return "\x1d" + bc.Want, "]d2"
	case SymDataMatrix:
		return bc.Want, "]d1"
	case SymQR:
		return bc.Want, "]Q1"
	}
	return "", ""
}

func loadPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

func dark(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r+g+b < 3*0x8000
}

// barcodeBounds finds the barcode whose origin is at x,y: the bounding box
// of dark pixels reachable from it across gaps narrower than gap dots.
func barcodeBounds(img image.Image, x, y, gap int) (image.Rectangle, bool) {
	b := img.Bounds()
	box := image.Rect(x, y, x+1, y+1)
	found := false
	// Each round grows the box by at most gap on each side, so a barcode
	// as wide as the label needs width/gap rounds.
	for range (b.Dx()+b.Dy())/max(gap, 1) + 2 {
		search := image.Rect(box.Min.X-gap, box.Min.Y-gap, box.Max.X+gap, box.Max.Y+gap).Intersect(b)
		next := image.Rectangle{}
		any := false
		for yy := search.Min.Y; yy < search.Max.Y; yy++ {
			for xx := search.Min.X; xx < search.Max.X; xx++ {
				if dark(img, xx, yy) {
					p := image.Rect(xx, yy, xx+1, yy+1)
					if !any {
						next, any = p, true
					} else {
						next = next.Union(p)
					}
				}
			}
		}
		if !any {
			return box, false
		}
		if found && next == box {
			return box, true
		}
		box, found = next, true
	}
	return box, found
}

// decodeAt crops the barcode at bc's origin out of the label image, puts a
// white quiet zone around it and decodes it with the reader for its
// symbology; it also returns where the barcode was found.
func decodeAt(img image.Image, bc Barcode, dpi DPI) (string, string, image.Rectangle, error) {
	gap := dpi.Dots(1.6)
	r, ok := barcodeBounds(img, bc.X, bc.Y, gap)
	if !ok {
		return "", "", r, fmt.Errorf("nothing printed at the barcode origin")
	}
	pad := dpi.Dots(6)
	canvas := image.NewGray(image.Rect(0, 0, r.Dx()+2*pad, r.Dy()+2*pad))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(canvas, image.Rect(pad, pad, pad+r.Dx(), pad+r.Dy()), img, r.Min, draw.Src)
	bmp, err := gozxing.NewBinaryBitmapFromImage(canvas)
	if err != nil {
		return "", "", r, err
	}
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	var rd gozxing.Reader
	switch bc.Sym {
	case SymGS1128:
		hints[gozxing.DecodeHintType_ASSUME_GS1] = true
		rd = oned.NewCode128Reader()
	case SymCode128:
		rd = oned.NewCode128Reader()
	case SymEAN13:
		rd = oned.NewEAN13Reader()
	case SymDataMatrix, SymGS1DM:
		rd = datamatrix.NewDataMatrixReader()
	case SymQR:
		rd = qrcode.NewQRCodeReader()
	default:
		return "", "", r, fmt.Errorf("no reader for %s", bc.Sym)
	}
	res, err := rd.Decode(bmp, hints)
	if err != nil {
		return "", "", r, fmt.Errorf("decode crop %v: %w", r, err)
	}
	sym, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER].(string)
	return res.GetText(), sym, r, nil
}

func injectionShipping() *ShippingLabel {
	d := DemoShipping()
	d.ShipTo.Name = "^XZ^XA^FDX^FS Müller"
	d.ShipTo.Company = "~JR reset _5E co"
	d.ShipTo.Street1 = "東京都千代田区 1-1 📦"
	d.ShipTo.Street2 = `Ελληνικά \& العربية`
	d.ShipTo.City = "Москва ~DGR:X"
	d.Service = "Express ^PQ5 _1"
	d.Reference = "^XA~HS"
	return d
}

func TestInjectionPrintsAsText(t *testing.T) {
	ts, err := DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ts.Render("shipping", DPI203, injectionShipping())
	if err != nil {
		t.Fatal(err)
	}
	z := string(r.ZPL)
	if n, m := strings.Count(z, "^XA"), strings.Count(z, "^XZ"); n != 1 || m != 1 || r.Labels != 1 {
		t.Fatalf("^XA x%d, ^XZ x%d, labels %d; want exactly one pair:\n%s", n, m, r.Labels, z)
	}
	if strings.Contains(z, "~") {
		t.Fatalf("zpl holds '~':\n%s", z)
	}
	for _, want := range []string{
		"_5EXZ_5EXA_5EFDX_5EFS M_C3_BCller", // ^XZ^XA^FDX^FS Müller
		"_7EJR reset _5F5E co",              // ~JR ... _5E
		"_F0_9F_93_A6",                      // the emoji, as UTF-8 bytes
		"_5C&",                              // a backslash in a plain field is no ^FB line break
	} {
		if !strings.Contains(z, want) {
			t.Errorf("zpl lacks %q:\n%s", want, z)
		}
	}
	// Unescaping every ^FH field gives back the input text.
	if got := unescapeFields(z); !strings.Contains(got, "^XZ^XA^FDX^FS Müller") || !strings.Contains(got, "東京都千代田区 1-1 📦") || !strings.Contains(got, "Москва ~DGR:X") {
		t.Errorf("fields do not round-trip: %s", got)
	}
	if err := Lint(r.ZPL); err != nil {
		t.Error(err)
	}
}

// hostile is text a customer or a catalogue can hold: ZPL commands, the
// ^FH escape, emoji and non-Latin scripts.
var hostile = []string{"^XZ^XA^FDX^FS", "~JR", "_5E", "📦", "東京", "Москва", "العربية", `\&`}

// TestInjectionInTitlesAndEveryTemplate puts hostile text into every free
// text field of the product-title templates (packing slip over several
// labels, SKU label): exactly one ^XA/^XZ pair per label, no '~', and the
// text comes back from the ^FH escapes.
func TestInjectionInTitlesAndEveryTemplate(t *testing.T) {
	ts, err := DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	title := strings.Join(hostile, " ")
	slip := DemoPackingSlip()
	slip.ShipTo.Name = hostile[0] + " " + hostile[3] + " " + hostile[5]
	slip.Note = title
	for len(slip.Lines) < 2*SlipLinesPerLabel+1 {
		slip.Lines = append(slip.Lines, slip.Lines[0])
	}
	for i := range slip.Lines {
		slip.Lines[i].Title = fmt.Sprintf("%d %s", i, title)
	}
	sku := DemoSKU()
	sku.Title = title
	for _, c := range []struct {
		name   string
		data   LabelData
		labels int
	}{{"packing-slip", slip, 3}, {"sku", sku, 1}} {
		r, err := ts.Render(c.name, DPI203, c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		z := string(r.ZPL)
		if n, m := strings.Count(z, "^XA"), strings.Count(z, "^XZ"); n != c.labels || m != c.labels || r.Labels != c.labels {
			t.Errorf("%s: ^XA x%d, ^XZ x%d, labels %d; want %d pairs:\n%s", c.name, n, m, r.Labels, c.labels, z)
		}
		if strings.Contains(z, "~") {
			t.Errorf("%s: zpl holds '~':\n%s", c.name, z)
		}
		if err := Lint(r.ZPL); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		// Titles are truncated to fit, so check the start of the text.
		if got := unescapeFields(z); !strings.Contains(got, hostile[0]+" "+hostile[1]) {
			t.Errorf("%s: %q does not come back from the escaped fields:\n%s", c.name, hostile[0]+" "+hostile[1], got)
		}
	}
}

// unescapeFields decodes the _XX escapes of the whole document (good enough
// to check field text round-trips).
func unescapeFields(z string) string {
	var b []byte
	for i := 0; i < len(z); i++ {
		if z[i] == '_' && i+2 < len(z) {
			var v byte
			if _, err := fmt.Sscanf(z[i+1:i+3], "%02X", &v); err == nil {
				b = append(b, v)
				i += 2
				continue
			}
		}
		b = append(b, z[i])
	}
	return string(b)
}
