package shipping

import (
	"fmt"
	"strings"

	"github.com/packline/packline/oms"
)

// The customs forms.
const (
	// FormCN22 is the UPU customs declaration for small, low-value items.
	FormCN22 = "CN22"
	// FormCN23 is the UPU customs declaration for everything else.
	FormCN23 = "CN23"
)

// cn22MaxItems is how many item lines fit on a CN22; more need a CN23.
const cn22MaxItems = 4

// MissingField is one customs field a SKU lacks (or holds in a bad form).
type MissingField struct {
	SKU    string
	Field  string // hs_code, country_of_origin, customs_value, or sku when the SKU is unknown
	Reason string
}

// CustomsError stops an international parcel at pack: it lists every SKU
// and field that must be fixed in the catalog first. It wraps ErrCustomsData.
type CustomsError struct {
	OrderID     string
	Destination string
	Missing     []MissingField
}

// Error names the order, the destination and each SKU and field.
func (e *CustomsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "order %s to %s: customs declaration needs data the catalog lacks:", e.OrderID, e.Destination)
	for i, m := range e.Missing {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, " sku %s: %s %s", m.SKU, m.Field, m.Reason)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrCustomsData) true.
func (e *CustomsError) Unwrap() error { return ErrCustomsData }

// NeedsCustoms reports whether a parcel from one country to another needs
// a customs declaration: it does unless both are the same country or both
// are in the configured customs union.
func (c *Config) NeedsCustoms(from, to string) bool {
	if from == to {
		return false
	}
	inFrom, inTo := false, false
	for _, u := range c.Customs.Union {
		inFrom = inFrom || u == from
		inTo = inTo || u == to
	}
	return !(inFrom && inTo)
}

// validHSCode accepts 6 to 10 digits, with dots or spaces between groups.
func validHSCode(s string) (string, bool) {
	d := strings.NewReplacer(".", "", " ", "").Replace(s)
	return d, len(d) >= 6 && len(d) <= 10 && oms.AllDigits(d)
}

// checkCustoms lists what the SKUs of items lack for a declaration.
func checkCustoms(orderID, dest string, skuIDs []string, skus map[string]oms.SKU) error {
	e := &CustomsError{OrderID: orderID, Destination: dest}
	seen := map[string]bool{}
	for _, id := range skuIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		s, ok := skus[id]
		if !ok {
			e.Missing = append(e.Missing, MissingField{id, "sku", "is not in the station's catalog"})
			continue
		}
		if s.HSCode == "" {
			e.Missing = append(e.Missing, MissingField{id, "hs_code", "missing"})
		} else if _, ok := validHSCode(s.HSCode); !ok {
			e.Missing = append(e.Missing, MissingField{id, "hs_code", fmt.Sprintf("%q is not 6-10 digits", s.HSCode)})
		}
		if s.CountryOfOrigin == "" {
			e.Missing = append(e.Missing, MissingField{id, "country_of_origin", "missing"})
		} else if !isCountry(s.CountryOfOrigin) {
			e.Missing = append(e.Missing, MissingField{id, "country_of_origin", fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 code", s.CountryOfOrigin)})
		}
		if s.CustomsValue <= 0 {
			e.Missing = append(e.Missing, MissingField{id, "customs_value", "missing"})
		}
	}
	if len(e.Missing) > 0 {
		return e
	}
	return nil
}

// CustomsItem is one line of a customs declaration.
type CustomsItem struct {
	SKU             string
	Description     string
	Qty             int
	HSCode          string // digits only
	CountryOfOrigin string
	NetGrams        int   // SKU weight x qty (0 when the catalog has no weight)
	Value           int64 // minor units of the declaration's currency
}

// Declaration is the customs data of one parcel: a CN22 (printed as a
// label) or a CN23 (data for the carrier's form).
type Declaration struct {
	Form        string // FormCN22 or FormCN23
	OrderID     string
	From, To    oms.Address
	Category    string // UPU category: "sale_of_goods"
	Currency    string // the order's currency
	Items       []CustomsItem
	TotalValue  int64 // minor units of Currency
	GrossGrams  int   // the parcel's weighed weight
	ShippingFee int64 // postage charged to the customer, minor units (0 if none)
}

// declare builds the declaration of items (nil: every line of the order).
// The value of a line is what the customer paid for it; a line given
// away free is declared at the SKU's customs value (kept in the base
// currency) converted to the order's currency.
func (c *Config) declare(from oms.Address, o *oms.Order, items []oms.PackedItem, skus map[string]oms.SKU, grossGrams int) (*Declaration, error) {
	if items == nil {
		for _, l := range o.Lines {
			items = append(items, oms.PackedItem{SKU: l.SKU, Qty: l.Qty})
		}
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.SKU
	}
	if err := checkCustoms(o.ID, o.ShipTo.Country, ids, skus); err != nil {
		return nil, err
	}
	if _, ok := oms.CurrencyExponent(o.Currency); !ok {
		return nil, fmt.Errorf("order %s: currency: %q is not an ISO 4217 code", o.ID, o.Currency)
	}
	price := map[string]int64{}
	for _, l := range o.Lines {
		if _, ok := price[l.SKU]; !ok {
			price[l.SKU] = l.UnitPrice
		}
	}
	d := &Declaration{Form: FormCN22, OrderID: o.ID, From: from, To: o.ShipTo, Category: "sale_of_goods", Currency: o.Currency, GrossGrams: grossGrams}
	index := map[string]int{}
	for _, it := range items {
		if it.Qty <= 0 {
			return nil, fmt.Errorf("order %s: sku %s: qty %d is not positive", o.ID, it.SKU, it.Qty)
		}
		s := skus[it.SKU]
		unit := price[it.SKU]
		if unit <= 0 {
			v, err := c.convert(s.CustomsValue, c.BaseCurrency, o.Currency)
			if err != nil {
				return nil, fmt.Errorf("order %s: sku %s: customs value in %s: %w", o.ID, it.SKU, o.Currency, err)
			}
			unit = v
		}
		hs, _ := validHSCode(s.HSCode)
		i, ok := index[it.SKU]
		if !ok {
			i = len(d.Items)
			index[it.SKU] = i
			d.Items = append(d.Items, CustomsItem{SKU: it.SKU, Description: s.Description, HSCode: hs, CountryOfOrigin: s.CountryOfOrigin})
		}
		d.Items[i].Qty += it.Qty
		d.Items[i].NetGrams += s.WeightGrams * it.Qty
		d.Items[i].Value += unit * int64(it.Qty)
		d.TotalValue += unit * int64(it.Qty)
	}
	limitCur := c.Customs.CN22Currency
	if limitCur == "" {
		limitCur = c.BaseCurrency
	}
	inLimitCur, err := c.convert(d.TotalValue, o.Currency, limitCur)
	if err != nil {
		return nil, fmt.Errorf("order %s: value in %s: %w", o.ID, limitCur, err)
	}
	maxW := c.Customs.CN22MaxWeightGrams
	if maxW == 0 {
		maxW = 2000
	}
	if inLimitCur > c.Customs.CN22MaxValue || grossGrams > maxW || len(d.Items) > cn22MaxItems {
		d.Form = FormCN23
	}
	return d, nil
}
