package scanner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Kind says what a scan means on the floor.
type Kind string

// The kinds of scan the floor knows.
const (
	KindUnknown  Kind = "unknown"
	KindProduct  Kind = "product"
	KindSSCC     Kind = "sscc"
	KindLocation Kind = "location"
	KindTote     Kind = "tote"
	KindOrder    Kind = "order"
	KindRMA      Kind = "rma"
	KindTracking Kind = "tracking"
	KindBadge    Kind = "badge"
	KindCommand  Kind = "command"
)

// The data formats Scan.Format reports.
const (
	FormatGS1          = "gs1"              // element strings, GS as FNC1
	FormatGS1Bracketed = "gs1-bracketed"    // (01)...(10)...
	FormatDigitalLink  = "gs1-digital-link" // https://host/01/...
	FormatRetail       = "retail"           // UPC-A, UPC-E, EAN-8, EAN-13, ITF-14
	FormatPlain        = "plain"            // anything else
)

// Scan is one barcode read, decoded and classified. Its JSON form is the
// wire form scannerd serves and `scannerd decode` prints.
type Scan struct {
	// Raw is the scan as received, symbology identifier included.
	Raw string `json:"raw"`
	// OK is false when the scan could not be decoded or classified; Error
	// then says why.
	OK    bool   `json:"ok"`
	Error string `json:"error"`
	// Symbology is the barcode type from the AIM identifier ("gs1-128",
	// "ean-13", ...), refined by the data for retail codes; "unknown" when
	// the scanner sent no identifier.
	Symbology string `json:"symbology"`
	// AIM is the AIM symbology identifier as sent ("]C1"), if any.
	AIM string `json:"aim,omitempty"`
	// Format is how the data was read: gs1, gs1-bracketed,
	// gs1-digital-link, retail or plain.
	Format string `json:"format,omitempty"`
	// Data is the scan without its symbology identifier.
	Data string `json:"data"`
	Kind Kind   `json:"kind"`
	// GTIN is the 14-digit GTIN when the scan carries one.
	GTIN string `json:"gtin"`
	// AIs maps each GS1 AI to its value as printed in the bracketed form.
	AIs map[string]string `json:"ais"`
	// Decimals holds the AIs with an implied decimal point (310n-369n,
	// 390n-395n) as decimal numbers: "3103": "1.250".
	Decimals map[string]string `json:"decimals,omitempty"`
	// Value is the identifier the kind is about: the GTIN, SSCC, location
	// code, tote id, order number, tracking number, badge id, command name,
	// or the SKU for a product scanned by internal code.
	Value string `json:"value,omitempty"`
	// Carrier names the carrier of a tracking number: ups, usps, upu-s10,
	// fedex.
	Carrier string `json:"carrier,omitempty"`
	// Addon is the 2- or 5-digit add-on of an EAN/UPC, if any.
	Addon string `json:"addon,omitempty"`
	// Err is the error behind Error, for errors.Is against the sentinel
	// errors; it does not travel over the wire.
	Err error `json:"-"`
}

// MarshalJSON writes the wire form: raw, ok, error, symbology, kind, gtin
// and ais are always present (error and gtin empty, ais {} when there are
// none), so consumers need not tell a missing key from an empty one.
func (s Scan) MarshalJSON() ([]byte, error) {
	type wire Scan // without the method, so Marshal does not recurse
	w := wire(s)
	if w.AIs == nil {
		w.AIs = map[string]string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // scans carry '<', '>' and '&' (URIs, GS stand-ins) as data
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Config holds the per-site patterns that classify scans. The zero Config
// classifies GS1, retail and carrier codes only; DefaultConfig adds
// patterns for site labels. Patterns are Go regular expressions matched
// against the whole scan; a named group "id" picks the Value.
type Config struct {
	// CommandPrefix marks command barcodes: CommandPrefix + command,
	// for example "CMD-DONE". Empty disables command barcodes.
	CommandPrefix string `json:"command_prefix" toml:"command_prefix"`
	// Commands are the commands the floor prints, e.g. DONE, SHORT.
	Commands []string `json:"commands" toml:"commands"`
	// LocationPattern matches bin/shelf location labels.
	LocationPattern string `json:"location_pattern" toml:"location_pattern"`
	// TotePattern matches tote labels.
	TotePattern string `json:"tote_pattern" toml:"tote_pattern"`
	// OrderPattern matches order labels and pick slips.
	OrderPattern string `json:"order_pattern" toml:"order_pattern"`
	// RMAPattern matches return authorisation labels.
	RMAPattern string `json:"rma_pattern" toml:"rma_pattern"`
	// BadgePattern matches operator badges.
	BadgePattern string `json:"badge_pattern" toml:"badge_pattern"`
	// SKUPattern matches internal SKU codes printed in-house; such scans
	// are products by code (no GTIN).
	SKUPattern string `json:"sku_pattern" toml:"sku_pattern"`
	// Aliases maps scanned codes (legacy labels, supplier codes) to an
	// internal SKU; a hit is a product by code.
	Aliases map[string]string `json:"aliases" toml:"aliases"`
	// GSSubstitute is a printable stand-in for FNC1 that some scanners are
	// configured to send instead of the GS byte (for example "<GS>" or
	// "~"); it is turned back into GS in GS1 data. Empty disables it.
	GSSubstitute string `json:"gs_substitute" toml:"gs_substitute"`
	// NoSeparatorCheck turns off the check for a dropped FNC1 inside a
	// variable-length value (ErrMissingSeparator). Only for sites whose lot
	// or serial numbers embed what reads as a complete element string.
	NoSeparatorCheck bool `json:"no_separator_check" toml:"no_separator_check"`
	// PerBarcodeReqOff stops checking, per barcode, that an AI's required
	// companions (the dictionary's req=, e.g. a lot needs a GTIN) are in
	// the same scan. GS1 asks for the check over all barcodes of an item;
	// a site whose labels split element strings over several symbols sets
	// this and checks the combined scans with CheckAssociations. Exclusive
	// AIs (ex=) are still refused per scan.
	PerBarcodeReqOff bool `json:"per_barcode_req_off" toml:"per_barcode_req_off"`
}

// DefaultConfig returns the classification a site starts with.
func DefaultConfig() Config {
	return Config{
		CommandPrefix:   "CMD-",
		Commands:        []string{"DONE", "SHORT", "CANCEL", "REPRINT", "SKIP", "UNDO", "NEXT", "HOLD", "LOGOUT"},
		LocationPattern: `^(?:LOC-(?P<id>[A-Z0-9]+(?:-[A-Z0-9]+)*)|[A-Z]{1,2}\d{2}-\d{2}-\d{2}(?:-\d{1,2})?|[A-Z]{1,3}-\d{2,4}-\d{2,4}-\d{1,4})$`,
		TotePattern:     `^TOTE-?(?P<id>\d{3,10})$`,
		OrderPattern:    `^(?:(?:ORD|SO)-?(?P<id>\d{4,12})|PL\d{8})$`,
		RMAPattern:      `^(?:RMA-(?P<id>\d{4,12})|RMA\d{8})$`,
		BadgePattern:    `^(?:BADGE|EMP)-?(?P<id>[A-Z0-9]{3,12})$`,
		SKUPattern:      `^SKU-?(?P<id>[A-Z0-9][A-Z0-9-]{1,30})$`,
	}
}

// Validate checks that every pattern compiles and the command set makes
// sense; its error names the bad field.
func (c Config) Validate() error {
	_, err := compileConfig(c)
	return err
}

// pattern is one compiled classification rule.
type pattern struct {
	kind Kind
	re   *regexp.Regexp
	id   int // index of the "id" group, or -1
}

// compiled is the immutable form of a Config a Decoder works from.
type compiled struct {
	cfg      Config
	patterns []pattern
	sku      *pattern
	commands map[string]bool
}

func compileConfig(c Config) (*compiled, error) {
	out := &compiled{cfg: c, commands: map[string]bool{}}
	rules := []struct {
		field string
		kind  Kind
		expr  string
	}{
		{"location_pattern", KindLocation, c.LocationPattern},
		{"tote_pattern", KindTote, c.TotePattern},
		{"order_pattern", KindOrder, c.OrderPattern},
		{"rma_pattern", KindRMA, c.RMAPattern},
		{"badge_pattern", KindBadge, c.BadgePattern},
		{"sku_pattern", KindProduct, c.SKUPattern},
	}
	for _, r := range rules {
		if r.expr == "" {
			continue
		}
		re, err := regexp.Compile(r.expr)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadConfig, r.field, err)
		}
		p := pattern{kind: r.kind, re: re, id: re.SubexpIndex("id")}
		if r.field == "sku_pattern" {
			out.sku = &p
			continue
		}
		out.patterns = append(out.patterns, p)
	}
	for _, cmd := range c.Commands {
		if cmd == "" || strings.TrimSpace(cmd) != cmd {
			return nil, fmt.Errorf("%w: commands: %q is empty or has spaces around it", ErrBadConfig, cmd)
		}
		out.commands[cmd] = true
	}
	if len(c.Commands) > 0 && c.CommandPrefix == "" {
		return nil, fmt.Errorf("%w: command_prefix: empty while commands are set", ErrBadConfig)
	}
	return out, nil
}

// Decoder decodes raw scanner bytes into Scans. It is safe for concurrent
// use: it never changes after NewDecoder.
type Decoder struct {
	c      *compiled
	cfgErr error
}

// NewDecoder returns a Decoder for the site configuration cfg. A Config
// that fails Validate gives a Decoder whose every Decode reports the
// config error, so a bad pattern is loud rather than silently unmatched.
func NewDecoder(cfg Config) *Decoder {
	c, err := compileConfig(cfg)
	if err != nil {
		return &Decoder{cfgErr: err}
	}
	return &Decoder{c: c}
}

// Decode decodes one raw scan (the bytes between frame ends, AIM
// symbology identifier included). It never panics; bad input gives
// a Scan with OK false and Error set.
func (d *Decoder) Decode(raw []byte) (s Scan) {
	defer func() {
		if r := recover(); r != nil {
			s = failed(Scan{Raw: string(raw), Symbology: "unknown", Kind: KindUnknown}, fmt.Errorf("decoder bug: %v", r))
		}
	}()
	return d.decode(raw)
}

func failed(s Scan, err error) Scan {
	s.OK = false
	s.Err = err
	s.Error = err.Error()
	if s.Kind == "" {
		s.Kind = KindUnknown
	}
	return s
}

func (d *Decoder) decode(raw []byte) Scan {
	s := Scan{Raw: string(raw), Kind: KindUnknown, Symbology: "unknown"}
	if d == nil || d.c == nil {
		err := errors.New("decoder not configured")
		if d != nil && d.cfgErr != nil {
			err = d.cfgErr
		}
		return failed(s, err)
	}
	data := strings.TrimRight(s.Raw, "\r\n")
	aim, data := parseAIM(data)
	s.Symbology, s.AIM, s.Data = aim.name, aim.id, data
	if data == "" {
		return failed(s, ErrEmptyScan)
	}
	switch {
	case aim.gs1:
		return d.decodeGS1(s, data)
	case aim.id == "]E0" || aim.id == "]E4" || aim.id == "]E3":
		return decodeRetail(s, aim.id, data)
	}
	return d.classifyPlain(s, data)
}
