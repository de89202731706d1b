package printers

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/packline/packline/oms"
)

//go:embed templates/*.zpl.tmpl
var embedded embed.FS

// templateSpec ties a template name to its label size and data type.
type templateSpec struct {
	widthMM, heightMM float64
	newData           func() LabelData
	demo              func() LabelData
}

var specs = map[string]templateSpec{
	"shipping":     {101.6, 152.4, func() LabelData { return &ShippingLabel{} }, func() LabelData { return DemoShipping() }},
	"packing-slip": {101.6, 152.4, func() LabelData { return &PackingSlip{} }, func() LabelData { return DemoPackingSlip() }},
	"return":       {101.6, 152.4, func() LabelData { return &ReturnLabel{} }, func() LabelData { return DemoReturn() }},
	"sku":          {76.2, 50.8, func() LabelData { return &SKULabel{} }, func() LabelData { return DemoSKU() }},
	"sscc":         {101.6, 152.4, func() LabelData { return &SSCCLabel{} }, func() LabelData { return DemoSSCC() }},
	"customs-cn22": {101.6, 152.4, func() LabelData { return &CN22Label{} }, func() LabelData { return DemoCN22() }},
	"manifest":     {101.6, 152.4, func() LabelData { return &ManifestLabel{} }, func() LabelData { return DemoManifest() }},
}

// TemplateNames lists the label templates, sorted.
func TemplateNames() []string {
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NewData returns an empty data value of the type the template renders,
// ready for json.Unmarshal.
func NewData(name string) (LabelData, error) {
	s, ok := specs[name]
	if !ok {
		return nil, fmt.Errorf("template %q: %w (have %s)", name, ErrUnknownTemplate, strings.Join(TemplateNames(), ", "))
	}
	return s.newData(), nil
}

// DemoData returns the demo data of a template.
func DemoData(name string) (LabelData, error) {
	s, ok := specs[name]
	if !ok {
		return nil, fmt.Errorf("template %q: %w (have %s)", name, ErrUnknownTemplate, strings.Join(TemplateNames(), ", "))
	}
	return s.demo(), nil
}

// Templates is a parsed set of label templates: the embedded defaults with
// any site overrides laid over them. It is safe for concurrent use.
type Templates struct {
	t map[string]*template.Template
}

// funcs are the helpers templates may call besides the Page methods. They
// return plain strings, which reach ZPL only through a Page method.
var funcs = template.FuncMap{
	"cityLine": func(a oms.Address) string {
		parts := make([]string, 0, 3)
		for _, p := range []string{a.City, a.Region, a.PostalCode} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		return strings.Join(parts, " ")
	},
	"upper":  strings.ToUpper,
	"kg":     func(w float64) string { return fmt.Sprintf("%.2f kg", w) },
	"add":    func(a, b float64) float64 { return a + b },
	"mul":    func(a, b float64) float64 { return a * b },
	"int":    func(i int) float64 { return float64(i) },
	"gtin14": GTIN14,
	"weight": func(kg float64) string { return fmt.Sprintf("%06d", int(kg*10+0.5)) },
	// impbText groups an IMpb in fours for the line under its barcode.
	"impbText": IMpbText,
	// The ZPL elements. Each takes the Page (. or $) first; they are funcs
	// rather than methods because text/template finds methods by reflection
	// on every call, which costs more than the whole label otherwise.
	"startLabel":    (*Page).Start,
	"font":          (*Page).Font,
	"endLabel":      (*Page).End,
	"text":          (*Page).Text,
	"textBlock":     (*Page).Block,
	"box":           (*Page).Box,
	"hline":         (*Page).HLine,
	"vline":         (*Page).VLine,
	"code128":       (*Page).Code128,
	"gs1128":        (*Page).GS1128,
	"impb":          (*Page).IMpb,
	"ean13":         (*Page).EAN13,
	"datamatrix":    (*Page).DataMatrix,
	"datamatrixGS1": (*Page).DataMatrixGS1,
	"qr":            (*Page).QR,
}

// DefaultTemplates parses the embedded templates.
func DefaultTemplates() (*Templates, error) { return LoadTemplates("") }

// LoadTemplates parses the embedded templates and, when dir is not empty,
// replaces each one for which dir holds NAME.zpl.tmpl (a site override).
func LoadTemplates(dir string) (*Templates, error) {
	ts := &Templates{t: make(map[string]*template.Template, len(specs))}
	for name := range specs {
		file := name + ".zpl.tmpl"
		src, err := fs.ReadFile(embedded, "templates/"+file)
		if err != nil {
			return nil, fmt.Errorf("embedded template %s: %w", file, err)
		}
		origin := "embedded " + file
		if dir != "" {
			p := filepath.Join(dir, file)
			b, err := os.ReadFile(p)
			switch {
			case err == nil:
				src, origin = b, p
			case !errors.Is(err, fs.ErrNotExist):
				return nil, fmt.Errorf("template override %s: %w", p, err)
			}
		}
		t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", origin, err)
		}
		ts.t[name] = t
	}
	return ts, nil
}

// Rendered is a rendered label document.
type Rendered struct {
	ZPL      []byte
	Barcodes []Barcode // every barcode placed, with the text it must scan as
	Labels   int       // number of ^XA...^XZ labels
}

// Render validates data and renders the named template at dpi. Bad data is
// an error naming the field; no ZPL is returned then.
func (ts *Templates) Render(name string, dpi DPI, data LabelData) (*Rendered, error) {
	spec, ok := specs[name]
	t := ts.t[name]
	if !ok || t == nil {
		return nil, fmt.Errorf("template %q: %w (have %s)", name, ErrUnknownTemplate, strings.Join(TemplateNames(), ", "))
	}
	if err := data.Validate(); err != nil {
		return nil, err
	}
	p := &Page{Data: data, W: spec.widthMM, H: spec.heightMM, l: NewLabel(dpi)}
	// The template writes its static text into the label's own buffer and
	// the element funcs append there directly, so nothing is copied twice.
	if err := t.Execute(labelWriter{p.l}, p); err != nil {
		// Report the builder's error as it is: it names the field.
		if p.l.err != nil {
			return nil, p.l.err
		}
		return nil, fmt.Errorf("render template %s: %w", name, err)
	}
	if p.l.open {
		return nil, fmt.Errorf("render template %s: label not ended (missing .End)", name)
	}
	zpl := p.l.buf
	if err := Lint(zpl); err != nil {
		return nil, fmt.Errorf("render template %s: %w", name, err)
	}
	return &Rendered{ZPL: zpl, Barcodes: p.l.barcodes, Labels: p.l.count}, nil
}

// Page is what a template's dot is: the data (.Data) and the label size in
// mm (.W, .H). Its methods emit ZPL elements with every variable field
// escaped, appending to the document the template is writing; templates call
// them as funcs with the page first: {{text . x y w h "field" value}}
// (startLabel, endLabel, font, text, textBlock, box, hline, vline, code128,
// gs1128, impb, ean13, datamatrix, datamatrixGS1, qr).
type Page struct {
	Data LabelData
	W, H float64
	l    *Label
}

// frag runs build, which appends to the label buffer the template is
// writing to; it returns "" so the template writes nothing more.
func (p *Page) frag(build func()) (string, error) {
	build()
	if p.l.err != nil {
		return "", p.l.err
	}
	return "", nil
}

// labelWriter appends a template's static text to the label buffer.
type labelWriter struct{ l *Label }

// Write appends b to the label buffer; it never fails.
func (w labelWriter) Write(b []byte) (int, error) {
	w.l.buf = append(w.l.buf, b...)
	return len(b), nil
}

// Start opens a label of the template's size.
func (p *Page) Start() (string, error) { return p.frag(func() { p.l.Start(p.W, p.H) }) }

// End closes the label.
func (p *Page) End() (string, error) { return p.frag(p.l.End) }

// Font sets the font ("scalable", "condensed" or "wide") of the text that follows.
func (p *Page) Font(name string) (string, error) {
	f, err := FontNamed(name)
	if err != nil {
		return "", err
	}
	return p.frag(func() { p.l.SetFont(f) })
}

// Text prints one line at x,y (mm), w mm wide, h mm high, truncated to fit.
func (p *Page) Text(x, y, w, h float64, field, value string) (string, error) {
	return p.frag(func() { p.l.Text(x, y, w, h, field, value) })
}

// Block prints wrapped text of at most lines lines.
func (p *Page) Block(x, y, w, h float64, lines int, field, value string) (string, error) {
	return p.frag(func() { p.l.Block(x, y, w, h, lines, field, value) })
}

// Box draws a rectangle with a border of t mm.
func (p *Page) Box(x, y, w, h, t float64) (string, error) {
	return p.frag(func() { p.l.Box(x, y, w, h, t) })
}

// HLine draws a horizontal line.
func (p *Page) HLine(x, y, w, t float64) (string, error) {
	return p.frag(func() { p.l.HLine(x, y, w, t) })
}

// VLine draws a vertical line.
func (p *Page) VLine(x, y, h, t float64) (string, error) {
	return p.frag(func() { p.l.VLine(x, y, h, t) })
}

// Code128 prints a Code 128 barcode.
func (p *Page) Code128(x, y, h, module float64, hr bool, field, data string) (string, error) {
	return p.frag(func() { p.l.Code128(x, y, h, module, hr, field, data) })
}

// GS1128 prints a GS1-128 barcode; aiValues alternates AI and value.
func (p *Page) GS1128(x, y, h, module float64, field string, aiValues ...string) (string, error) {
	elems, err := pairs(aiValues)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	return p.frag(func() { p.l.GS1128(x, y, h, module, field, elems...) })
}

// IMpb prints a USPS Intelligent Mail package barcode: GS1-128 of FNC1,
// 420, the ZIP Code of postal, FNC1 and the IMpb, without an
// interpretation line (see Label.IMpb).
func (p *Page) IMpb(x, y, h, module float64, field, postal, impb string) (string, error) {
	return p.frag(func() { p.l.IMpb(x, y, h, module, field, postal, impb) })
}

// EAN13 prints an EAN-13 barcode.
func (p *Page) EAN13(x, y, h, module float64, field, data string) (string, error) {
	return p.frag(func() { p.l.EAN13(x, y, h, module, field, data) })
}

// DataMatrix prints a DataMatrix.
func (p *Page) DataMatrix(x, y, module float64, field, data string) (string, error) {
	return p.frag(func() { p.l.DataMatrix(x, y, module, field, data) })
}

// DataMatrixGS1 prints a GS1 DataMatrix; aiValues alternates AI and value.
func (p *Page) DataMatrixGS1(x, y, module float64, field string, aiValues ...string) (string, error) {
	elems, err := pairs(aiValues)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	return p.frag(func() { p.l.DataMatrixGS1(x, y, module, field, elems...) })
}

// QR prints a QR code.
func (p *Page) QR(x, y, module float64, field, data string) (string, error) {
	return p.frag(func() { p.l.QR(x, y, module, field, data) })
}

func pairs(aiValues []string) ([]GS1Element, error) {
	if len(aiValues) == 0 || len(aiValues)%2 != 0 {
		return nil, fmt.Errorf("%w: GS1 elements need AI, value pairs", ErrInvalidData)
	}
	elems := make([]GS1Element, 0, len(aiValues)/2)
	for i := 0; i < len(aiValues); i += 2 {
		elems = append(elems, GS1Element{AI: aiValues[i], Value: aiValues[i+1]})
	}
	return elems, nil
}
