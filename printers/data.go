package printers

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/packline/packline/oms"
)

// LabelData is the data a template renders. Validate names the first bad
// field by its JSON name.
type LabelData interface {
	Validate() error
}

// ShippingLabel is the data of the 4x6 shipping label. Its JSON form is what
// `station label shipping --data FILE.json` reads.
type ShippingLabel struct {
	ShipFrom       oms.Address `json:"ship_from"`
	ShipTo         oms.Address `json:"ship_to"`
	Carrier        string      `json:"carrier"`
	Service        string      `json:"service"`
	TrackingNumber string      `json:"tracking_number"`
	SSCC           string      `json:"sscc"`
	WeightKG       float64     `json:"weight_kg"`
	OrderID        string      `json:"order_id"`
	Reference      string      `json:"reference"`
	Package        int         `json:"package"`
	Packages       int         `json:"packages"`
}

// Validate checks every field; the error names the field. A label whose
// tracking number is a USPS IMpb needs a US ZIP Code in ship_to.postal_code,
// which its barcode carries (IMpb).
func (d *ShippingLabel) Validate() error {
	v := validator{}
	v.address("ship_from", d.ShipFrom)
	v.address("ship_to", d.ShipTo)
	v.text("carrier", d.Carrier, true, 30)
	v.text("service", d.Service, true, 40)
	v.code128("tracking_number", d.TrackingNumber, true, 40)
	if d.IMpb() {
		if !slices.Contains(uspsCountries, strings.ToUpper(d.ShipTo.Country)) {
			v.fail("ship_to.country", fmt.Sprintf("a USPS IMpb label goes to the US or a US territory (%s), not %q", strings.Join(uspsCountries, ", "), d.ShipTo.Country))
		}
		if _, ok := USZIP(d.ShipTo.PostalCode); !ok {
			v.fail("ship_to.postal_code", fmt.Sprintf("a USPS IMpb label needs a US ZIP Code (12345 or 12345-6789), got %q", d.ShipTo.PostalCode))
		}
	}
	v.sscc("sscc", d.SSCC, true)
	v.weight("weight_kg", d.WeightKG, true)
	v.text("order_id", d.OrderID, true, 40)
	v.text("reference", d.Reference, false, 40)
	v.packageOf("package", "packages", d.Package, d.Packages)
	return v.err
}

// uspsCountries are where a ZIP Code routes a USPS parcel: the US and the
// territories and freely associated states USPS delivers to as domestic.
var uspsCountries = []string{"US", "PR", "VI", "GU", "AS", "MP", "UM", "FM", "MH", "PW"}

// IMpb reports whether the tracking number is a USPS IMpb (IsIMpb). The
// shipping template then prints it as USPS Publication 199 asks: a
// GS1-128 of FNC1, 420, the ship-to ZIP Code, FNC1 and the IMpb under a
// "USPS TRACKING #" banner, with the number in groups of four under it.
// Every other tracking number prints as a plain Code 128.
func (d *ShippingLabel) IMpb() bool { return IsIMpb(d.TrackingNumber) }

// SlipLine is one order line on a packing slip.
type SlipLine struct {
	SKU   string `json:"sku"`
	Title string `json:"title"`
	Qty   int    `json:"qty"`
}

// PackingSlip is the data of the packing slip; long orders run over several
// labels (SlipLinesPerLabel lines each).
type PackingSlip struct {
	OrderID   string      `json:"order_id"`
	Reference string      `json:"reference"`
	ShipTo    oms.Address `json:"ship_to"`
	Lines     []SlipLine  `json:"lines"`
	Note      string      `json:"note"`
}

// SlipLinesPerLabel is how many order lines fit on one packing-slip label.
const SlipLinesPerLabel = 8

// SlipPage is one label of a packing slip, as the template sees it.
type SlipPage struct {
	N, Of int
	Lines []SlipLine
}

// Pages splits the lines into labels.
func (d *PackingSlip) Pages() []SlipPage {
	n := (len(d.Lines) + SlipLinesPerLabel - 1) / SlipLinesPerLabel
	pages := make([]SlipPage, 0, n)
	for i := 0; i < n; i++ {
		end := min((i+1)*SlipLinesPerLabel, len(d.Lines))
		pages = append(pages, SlipPage{N: i + 1, Of: n, Lines: d.Lines[i*SlipLinesPerLabel : end]})
	}
	return pages
}

// Validate checks every field; the error names the field.
func (d *PackingSlip) Validate() error {
	v := validator{}
	v.code128("order_id", d.OrderID, true, 40)
	v.text("reference", d.Reference, false, 40)
	v.address("ship_to", d.ShipTo)
	v.text("note", d.Note, false, 200)
	if len(d.Lines) == 0 {
		v.fail("lines", "at least one line is required")
	}
	if len(d.Lines) > 400 {
		v.fail("lines", fmt.Sprintf("%d lines, limit 400", len(d.Lines)))
	}
	for i, l := range d.Lines {
		p := fmt.Sprintf("lines[%d]", i)
		v.text(p+".sku", l.SKU, true, 40)
		v.text(p+".title", l.Title, true, 200)
		if l.Qty < 1 || l.Qty > 99999 {
			v.fail(p+".qty", fmt.Sprintf("must be 1..99999, got %d", l.Qty))
		}
	}
	return v.err
}

// ReturnLabel is the data of a return label the customer sticks on a parcel.
type ReturnLabel struct {
	RMA            string      `json:"rma"`
	OrderID        string      `json:"order_id"`
	From           oms.Address `json:"from"`
	To             oms.Address `json:"to"`
	Carrier        string      `json:"carrier"`
	Service        string      `json:"service"`
	TrackingNumber string      `json:"tracking_number"`
	PortalURL      string      `json:"portal_url"`
}

// Validate checks every field; the error names the field.
func (d *ReturnLabel) Validate() error {
	v := validator{}
	v.code128("rma", d.RMA, true, 30)
	v.text("order_id", d.OrderID, true, 40)
	v.address("from", d.From)
	v.address("to", d.To)
	v.text("carrier", d.Carrier, true, 30)
	v.text("service", d.Service, true, 40)
	v.code128("tracking_number", d.TrackingNumber, true, 40)
	v.optional("portal_url", d.PortalURL, func(s string) error { return check2D(s, 300) })
	return v.err
}

// SKULabel is the data of a SKU/bin label for shelves and items.
type SKULabel struct {
	SKU   string `json:"sku"`
	Title string `json:"title"`
	GTIN  string `json:"gtin"`
	Bin   string `json:"bin"`
}

// Validate checks every field; the error names the field.
func (d *SKULabel) Validate() error {
	v := validator{}
	v.code128("sku", d.SKU, true, 30)
	v.text("title", d.Title, true, 200)
	v.text("bin", d.Bin, false, 20)
	v.optional("gtin", d.GTIN, checkGTIN)
	return v.err
}

// GTIN14 pads a GTIN-8/12/13/14 to 14 digits after checking its check
// digit (oms.NormalizeGTIN, for templates and label data).
func GTIN14(s string) (string, error) { return oms.NormalizeGTIN(s) }

// SSCCLabel is the data of a GS1 logistic label for a pallet or carton.
type SSCCLabel struct {
	SSCC          string      `json:"sscc"`
	ShipFrom      oms.Address `json:"ship_from"`
	ShipTo        oms.Address `json:"ship_to"`
	GTIN          string      `json:"gtin"`
	Count         int         `json:"count"`
	Batch         string      `json:"batch"`
	WeightKG      float64     `json:"weight_kg"`
	OrderID       string      `json:"order_id"`
	PurchaseOrder string      `json:"purchase_order"`
}

// Validate checks every field; the error names the field.
func (d *SSCCLabel) Validate() error {
	v := validator{}
	v.sscc("sscc", d.SSCC, true)
	v.address("ship_from", d.ShipFrom)
	v.address("ship_to", d.ShipTo)
	v.optional("gtin", d.GTIN, checkGTIN)
	if d.GTIN != "" && (d.Count < 1 || d.Count > 99999999) {
		v.fail("count", fmt.Sprintf("must be 1..99999999 with a gtin, got %d", d.Count))
	}
	v.optional("batch", d.Batch, gs1Check("10"))
	v.weight("weight_kg", d.WeightKG, false)
	v.text("order_id", d.OrderID, false, 40)
	v.optional("purchase_order", d.PurchaseOrder, gs1Check("400"))
	return v.err
}

// validator keeps the first error, naming the field.
type validator struct{ err error }

func (v *validator) fail(field, msg string) {
	if v.err == nil {
		v.err = fmt.Errorf("%s: %s: %w", field, msg, ErrInvalidData)
	}
}

func (v *validator) text(field, s string, required bool, limit int) {
	switch {
	case !utf8.ValidString(s):
		v.fail(field, "not valid UTF-8")
	case required && strings.TrimSpace(s) == "":
		v.fail(field, "required")
	case utf8.RuneCountInString(s) > limit:
		if v.err == nil {
			v.err = fmt.Errorf("%s: %d characters, limit %d: %w", field, utf8.RuneCountInString(s), limit, ErrFieldTooLong)
		}
	}
}

func (v *validator) code128(field, s string, required bool, limit int) {
	v.text(field, s, required, limit)
	if v.err == nil && s != "" {
		if err := checkCode128(s); err != nil {
			v.fail(field, err.Error())
		}
	}
}

func (v *validator) sscc(field, s string, required bool) {
	if s == "" && required {
		v.fail(field, "required")
	}
	v.optional(field, s, ValidSSCC)
}

// optional runs check on s unless s is empty, failing field with its message.
func (v *validator) optional(field, s string, check func(string) error) {
	if s == "" {
		return
	}
	if err := check(s); err != nil {
		v.fail(field, err.Error())
	}
}

func checkGTIN(s string) error {
	_, err := GTIN14(s)
	return err
}

// gs1Check returns a check of a value of the GS1 AI ai.
func gs1Check(ai string) func(string) error {
	return func(s string) error { return CheckGS1(GS1Element{AI: ai, Value: s}) }
}

func (v *validator) weight(field string, kg float64, required bool) {
	if kg == 0 && !required {
		return
	}
	if !(kg > 0 && kg <= 2000) {
		v.fail(field, fmt.Sprintf("must be more than 0 and at most 2000, got %g", kg))
	}
}

func (v *validator) packageOf(nField, ofField string, n, of int) {
	if of < 1 || of > 999 {
		v.fail(ofField, fmt.Sprintf("must be 1..999, got %d", of))
	} else if n < 1 || n > of {
		v.fail(nField, fmt.Sprintf("must be 1..%d (packages), got %d", of, n))
	}
}

// CheckAddress checks an address as labels need it (a name, a street, a
// city, a postal code, a country, each short enough for its line); the
// error names the field under prefix ("site_info.address.name"). Check a
// ship-from before committing to anything that will need its label.
func CheckAddress(prefix string, a oms.Address) error {
	var v validator
	v.address(prefix, a)
	return v.err
}

func (v *validator) address(prefix string, a oms.Address) {
	v.text(prefix+".name", a.Name, true, 60)
	v.text(prefix+".company", a.Company, false, 60)
	v.text(prefix+".street1", a.Street1, true, 60)
	v.text(prefix+".street2", a.Street2, false, 60)
	v.text(prefix+".city", a.City, true, 40)
	v.text(prefix+".region", a.Region, false, 30)
	v.text(prefix+".postal_code", a.PostalCode, true, 12)
	v.text(prefix+".phone", a.Phone, false, 30)
	v.text(prefix+".email", a.Email, false, 80)
	c := a.Country
	if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		v.fail(prefix+".country", fmt.Sprintf("ISO 3166-1 alpha-2 code in capitals required, got %q", c))
	}
}
