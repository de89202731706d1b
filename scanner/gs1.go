package scanner

import (
	"strconv"
	"strings"

	"github.com/packline/packline/oms"
)

//go:generate go run ./internal/gen -dict ../../shared/gs1/gs1-syntax-dictionary.txt -out gs1_table.go

// GS is the ASCII group separator (0x1D) that scanners send for FNC1
// between GS1 element strings.
const GS = '\x1d'

// Element is one GS1 element string: an Application Identifier and its
// value exactly as printed in the bracketed human-readable form.
type Element struct {
	AI    string `json:"ai"`
	Value string `json:"value"`
}

// aiComponent is one component of an AI's data field.
type aiComponent struct {
	cset     byte // 'N' digits, 'X' CSET 82, 'Y' CSET 39, 'Z' CSET 64
	min, max int
	optional bool
	linters  []linter
}

// aiSpec describes one AI as the GS1 Barcode Syntax Dictionary does.
type aiSpec struct {
	ai     string
	title  string
	fixed  bool // predefined length: needs no FNC1 after it
	dlAttr bool // permitted as a GS1 Digital Link query attribute
	comps  []aiComponent
	// req: every group must be met by one of its alternatives, each a set
	// of AIs or patterns ("31nn") that must all be present.
	req [][][]string
	// ex: AIs or patterns that must not appear with this AI.
	ex []string
	// dlpkey: a Digital Link primary key; dlQualifiers are its
	// alternative ordered qualifier sequences.
	dlpkey       bool
	dlQualifiers [][]string
}

// maxLen is the longest value the AI allows.
func (s *aiSpec) maxLen() int {
	n := 0
	for _, c := range s.comps {
		n += c.max
	}
	return n
}

// aiIndex maps an AI to its entry in aiTable.
var aiIndex = func() map[string]*aiSpec {
	m := make(map[string]*aiSpec, len(aiTable))
	for i := range aiTable {
		m[aiTable[i].ai] = &aiTable[i]
	}
	return m
}()

// lookupAI returns the spec of the AI at the start of s and its length.
// AIs are prefix-free (the generator checks), so the first hit is the AI.
func lookupAI(s string) (*aiSpec, int) {
	for n := 2; n <= 4 && n <= len(s); n++ {
		if !oms.AllDigits(s[:n]) {
			return nil, 0
		}
		if spec, ok := aiIndex[s[:n]]; ok {
			return spec, n
		}
	}
	return nil, 0
}

// AITitle returns the dictionary's short title of ai ("GTIN", "BATCH/LOT")
// and whether ai is a known Application Identifier.
func AITitle(ai string) (string, bool) {
	spec, ok := aiIndex[ai]
	if !ok {
		return "", false
	}
	return spec.title, true
}

// unknownAIError describes the digits at pos that are not a known AI.
func unknownAIError(s string, pos int) error {
	end := pos
	for end < len(s) && end < pos+4 && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == pos {
		c := byte(0)
		if pos < len(s) {
			c = s[pos]
		}
		return &AIError{Pos: pos, Err: ErrUnknownAI, Reason: "expected an AI (digits), found " + strconv.QuoteRune(rune(c))}
	}
	if end-pos < 2 {
		return &AIError{Pos: pos, Err: ErrUnknownAI, Reason: "data ends inside an AI: " + strconv.Quote(s[pos:end])}
	}
	return &AIError{Pos: pos, Err: ErrUnknownAI, Reason: "no GS1 AI starts with " + strconv.Quote(s[pos:end])}
}

// validateValue checks value against the AI's components; base is the
// position of value in the scanned data, for errors.
func validateValue(spec *aiSpec, value string, base int) error {
	p := 0
	for i := range spec.comps {
		c := &spec.comps[i]
		if p == len(value) {
			if c.optional {
				break
			}
			return &AIError{AI: spec.ai, Pos: base + p, Err: ErrLength,
				Reason: "value " + strconv.Quote(value) + " too short: " + lengthRule(spec)}
		}
		var seg string
		if c.min == c.max {
			if len(value)-p < c.max {
				return &AIError{AI: spec.ai, Pos: base + p, Err: ErrLength,
					Reason: "value " + strconv.Quote(value) + " too short: " + lengthRule(spec)}
			}
			seg = value[p : p+c.max]
		} else {
			seg = value[p:]
			if len(seg) > c.max {
				return &AIError{AI: spec.ai, Pos: base + p + c.max, Err: ErrLength,
					Reason: "value " + strconv.Quote(value) + " too long: " + lengthRule(spec)}
			}
		}
		if off := checkCharset(c.cset, seg); off >= 0 {
			return &AIError{AI: spec.ai, Pos: base + p + off, Err: ErrCharset,
				Reason: strconv.QuoteRune(rune(seg[off])) + " is not in " + csetName(c.cset)}
		}
		for _, l := range c.linters {
			if le := l.fn(seg); le != nil {
				return &AIError{AI: spec.ai, Pos: base + p + le.off, Err: le.err,
					Reason: le.detail + " (" + l.name + ")"}
			}
		}
		p += len(seg)
	}
	if p < len(value) {
		return &AIError{AI: spec.ai, Pos: base + p, Err: ErrLength,
			Reason: "value " + strconv.Quote(value) + " too long: " + lengthRule(spec)}
	}
	return nil
}

// lengthRule says how long the AI's value may be.
func lengthRule(spec *aiSpec) string {
	lo, hi := 0, 0
	for _, c := range spec.comps {
		if !c.optional {
			lo += c.min
		}
		hi += c.max
	}
	if lo == hi {
		return "needs exactly " + strconv.Itoa(hi) + " characters"
	}
	return "needs " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + " characters"
}

// parseOpts are the knobs of a GS1 parse that come from the site Config.
type parseOpts struct {
	detectDroppedGS bool // ErrMissingSeparator checks (raw form only)
	skipReq         bool // leave req= to the caller, who sees every barcode of the item
}

// elementSet is the parsed content of one GS1 scan, in order, with the
// position of each AI in the data for errors.
type elementSet struct {
	elems []Element
	pos   []int
	specs []*aiSpec
}

func (s *elementSet) add(spec *aiSpec, value string, pos int) error {
	for i, e := range s.elems {
		if e.AI == spec.ai {
			if e.Value == value {
				return nil // the same element twice (2D + linear) says nothing new
			}
			return &AIError{AI: spec.ai, Pos: pos, Err: ErrDuplicateAI,
				Reason: "value " + strconv.Quote(value) + " conflicts with " + strconv.Quote(e.Value) + " at position " + strconv.Itoa(s.pos[i])}
		}
	}
	s.elems = append(s.elems, Element{AI: spec.ai, Value: value})
	s.pos = append(s.pos, pos)
	s.specs = append(s.specs, spec)
	return nil
}

// parseElementString parses GS1 element strings with GS (FNC1) between
// them. A leading GS (FNC1 in first position) is skipped; a GS after a
// predefined-length element is tolerated.
func parseElementString(data string, opts parseOpts) (*elementSet, error) {
	set := &elementSet{}
	if err := parseRawInto(set, data, 0, opts.detectDroppedGS); err != nil {
		return nil, err
	}
	if len(set.elems) == 0 {
		return nil, &AIError{Pos: 0, Err: ErrEmptyScan, Reason: "no element strings"}
	}
	if err := checkAssociations(set, opts.skipReq); err != nil {
		return nil, err
	}
	return set, nil
}

func parseRawInto(set *elementSet, data string, base int, detectDroppedGS bool) error {
	pos := 0
	for pos < len(data) {
		if data[pos] == GS {
			pos++
			continue
		}
		spec, n := lookupAI(data[pos:])
		if spec == nil {
			return unknownAIError(data, pos)
		}
		start := pos + n
		var end int
		if spec.fixed {
			end = start + spec.maxLen()
			if end > len(data) {
				end = len(data)
			}
			if i := strings.IndexByte(data[start:end], GS); i >= 0 {
				end = start + i
			}
			if end-start < spec.maxLen() {
				what := "data ends"
				if end < len(data) {
					what = "a separator comes"
				}
				return &AIError{AI: spec.ai, Pos: base + end, Err: ErrTruncated,
					Reason: what + " after " + strconv.Itoa(end-start) + " characters; " + lengthRule(spec)}
			}
		} else {
			end = len(data)
			if i := strings.IndexByte(data[start:], GS); i >= 0 {
				end = start + i
			}
		}
		value := data[start:end]
		if !spec.fixed && detectDroppedGS {
			if derr := droppedSeparator(set, spec, value, base+start); derr != nil {
				return derr
			}
		}
		if err := validateValue(spec, value, base+start); err != nil {
			return err
		}
		if err := set.add(spec, value, base+pos); err != nil {
			return err
		}
		pos = end
	}
	return nil
}

// droppedSeparator looks for a lost FNC1 inside a value that was read up
// to the next GS or the end of the data. Taking such a value whole would
// misread a lot or serial number and lose the AIs behind it, so that is an
// error instead.
//
// For an AI whose value has one fixed length (8017, 4309, ...) any excess
// that parses as element strings is reported. For a variable-length value
// (lot, serial, ...) only a suffix that starts with a predefined-length AI
// carrying a check digit or a date (GTIN, SSCC, expiry, ...) and parses to
// the end, associations included, counts: numeric lots often contain
// shorter digit runs that read as an AI by chance.
func droppedSeparator(set *elementSet, spec *aiSpec, value string, base int) error {
	try := func(i int, strong bool) error {
		next, _ := lookupAI(value[i:])
		if next == nil || strong && (!next.fixed || !hasStrongCheck(next)) {
			return nil
		}
		probe := &elementSet{}
		if parseRawInto(probe, value[i:], base+i, false) != nil {
			return nil
		}
		if strong {
			union := &elementSet{}
			union.elems = append(append(append(union.elems, set.elems...), Element{AI: spec.ai, Value: value[:i]}), probe.elems...)
			union.pos = make([]int, len(union.elems))
			union.specs = append(append(append(union.specs, set.specs...), spec), probe.specs...)
			if checkAssociations(union, false) != nil {
				return nil
			}
		}
		return &AIError{AI: spec.ai, Pos: base + i, Err: ErrMissingSeparator,
			Reason: "value " + strconv.Quote(value) + " runs into what reads as (" + next.ai + ") " + next.title +
				"; the scanner likely dropped FNC1 (GS) here"}
	}
	if fixedLength(spec) {
		if n := spec.maxLen(); len(value) > n {
			return try(n, false)
		}
		return nil
	}
	// The real value is at most maxLen long, so the lost separator sits at
	// or before it; this also keeps the search linear in the data.
	for i := 1; i+2 < len(value) && i <= spec.maxLen(); i++ {
		if err := try(i, true); err != nil {
			return err
		}
	}
	return nil
}

// fixedLength reports whether every value of the AI has the same length.
func fixedLength(spec *aiSpec) bool {
	for _, c := range spec.comps {
		if c.optional || c.min != c.max {
			return false
		}
	}
	return true
}

// hasStrongCheck reports whether the AI's value carries a check digit or a
// date, so that random characters rarely pass for it.
func hasStrongCheck(spec *aiSpec) bool {
	for _, c := range spec.comps {
		for _, l := range c.linters {
			switch l.name {
			case "csum", "yymmd0", "yymmdd":
				return true
			}
		}
	}
	return false
}

// parseBracketed parses the human-readable form (01)09506000134352(10)AB-12.
// A '(' inside a value is written "\(".
func parseBracketed(data string, opts parseOpts) (*elementSet, error) {
	set := &elementSet{}
	pos := 0
	var buf strings.Builder
	for pos < len(data) {
		if data[pos] != '(' {
			return nil, &AIError{Pos: pos, Err: ErrUnknownAI, Reason: "expected '(' to open an AI"}
		}
		closeAt := strings.IndexByte(data[pos:], ')')
		if closeAt < 0 {
			return nil, &AIError{Pos: pos, Err: ErrUnknownAI, Reason: "'(' without ')'"}
		}
		ai := data[pos+1 : pos+closeAt]
		spec, ok := aiIndex[ai]
		if !ok {
			if !oms.AllDigits(ai) {
				return nil, &AIError{Pos: pos + 1, Err: ErrUnknownAI, Reason: strconv.Quote(ai) + " is not an AI"}
			}
			return nil, &AIError{Pos: pos + 1, Err: ErrUnknownAI, Reason: "no GS1 AI " + strconv.Quote(ai)}
		}
		start := pos + closeAt + 1
		buf.Reset()
		end := start
		escaped := false
		for end < len(data) {
			c := data[end]
			if c == '\\' && end+1 < len(data) && data[end+1] == '(' {
				buf.WriteByte('(')
				end += 2
				escaped = true
				continue
			}
			if c == '(' {
				break
			}
			buf.WriteByte(c)
			end++
		}
		value := data[start:end]
		if escaped {
			value = buf.String()
		}
		if err := validateValue(spec, value, start); err != nil {
			return nil, err
		}
		if err := set.add(spec, value, pos); err != nil {
			return nil, err
		}
		pos = end
	}
	if len(set.elems) == 0 {
		return nil, &AIError{Pos: 0, Err: ErrEmptyScan, Reason: "no element strings"}
	}
	if err := checkAssociations(set, opts.skipReq); err != nil {
		return nil, err
	}
	return set, nil
}

// aiMatches reports whether ai matches pattern, where 'n' in the pattern
// stands for any digit ("31nn", "394n").
func aiMatches(pattern, ai string) bool {
	if len(pattern) != len(ai) {
		return false
	}
	for i := 0; i < len(ai); i++ {
		if pattern[i] != ai[i] && pattern[i] != 'n' {
			return false
		}
	}
	return true
}

func (s *elementSet) has(pattern string) bool {
	for _, e := range s.elems {
		if aiMatches(pattern, e.AI) {
			return true
		}
	}
	return false
}

// checkAssociations applies the dictionary's ex= rules, and its req= rules
// unless skipReq.
func checkAssociations(s *elementSet, skipReq bool) error {
	for i, spec := range s.specs {
		for _, group := range spec.req {
			if skipReq {
				break
			}
			met := false
			for _, alt := range group {
				all := true
				for _, p := range alt {
					if !s.has(p) {
						all = false
						break
					}
				}
				if all {
					met = true
					break
				}
			}
			if !met {
				return &AIError{AI: spec.ai, Pos: s.pos[i], Err: ErrMissingAI, Reason: "requires " + describeReq(group)}
			}
		}
		for _, p := range spec.ex {
			for j, e := range s.elems {
				if j != i && e.AI != spec.ai && aiMatches(p, e.AI) {
					return &AIError{AI: spec.ai, Pos: s.pos[i], Err: ErrExclusiveAIs,
						Reason: "must not appear with (" + e.AI + ") at position " + strconv.Itoa(s.pos[j])}
				}
			}
		}
	}
	return nil
}

func describeReq(group [][]string) string {
	parts := make([]string, len(group))
	for i, alt := range group {
		parts[i] = "(" + strings.Join(alt, ")+(") + ")"
	}
	return strings.Join(parts, " or ")
}

// decimalValue renders the value of a decimal AI with its implied decimal
// point: (3103)001250 is "1.250", (3922)1099 is "10.99", (3932)978 1099 is
// "10.99" (the ISO 4217 currency stays in the raw value). ok is false for
// AIs without an implied decimal point.
func decimalValue(ai, value string) (string, bool) {
	if len(ai) != 4 || ai[3] < '0' || ai[3] > '9' {
		return "", false
	}
	d := int(ai[3] - '0')
	num := value
	switch {
	case ai[0] == '3' && ai[1] >= '1' && ai[1] <= '6':
	case ai[:3] == "390" || ai[:3] == "392" || ai[:3] == "394" || ai[:3] == "395":
	case ai[:3] == "391" || ai[:3] == "393":
		if len(value) < 4 {
			return "", false
		}
		num = value[3:]
	default:
		return "", false
	}
	if !oms.AllDigits(num) {
		return "", false
	}
	if d == 0 {
		return trimLeadingZeros(num), true
	}
	for len(num) <= d {
		num = "0" + num
	}
	return trimLeadingZeros(num[:len(num)-d]) + "." + num[len(num)-d:], true
}

func trimLeadingZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}

// ParseGS1 parses GS1 data in any of the three forms a scanner delivers:
// element strings with GS (0x1D) as FNC1, the bracketed human-readable
// form, or a GS1 Digital Link URI. It checks every AI against the GS1
// Barcode Syntax Dictionary, including associations between AIs. The
// error, an *AIError, names the AI, the position and why.
func ParseGS1(data string) ([]Element, error) {
	set, err := parseGS1(data, parseOpts{detectDroppedGS: true})
	if err != nil {
		return nil, err
	}
	return set.elems, nil
}

func parseGS1(data string, opts parseOpts) (*elementSet, error) {
	switch {
	case data == "":
		return nil, &AIError{Pos: 0, Err: ErrEmptyScan, Reason: "no data"}
	case data[0] == '(':
		return parseBracketed(data, opts)
	case isHTTPURI(data):
		return parseDigitalLink(data, opts)
	}
	return parseElementString(data, opts)
}

// CheckAssociations applies the dictionary's association rules (req= and
// ex=) to elements gathered from several barcodes of one item, as GS1
// asks: a logistic label often splits its element strings over two or
// three GS1-128 symbols. Use it with Config.PerBarcodeReqOff. The error's
// Pos is the index of the offending element in elems.
func CheckAssociations(elems []Element) error {
	set := &elementSet{}
	for i, e := range elems {
		spec, ok := aiIndex[e.AI]
		if !ok {
			return &AIError{Pos: i, Err: ErrUnknownAI, Reason: "no GS1 AI " + strconv.Quote(e.AI)}
		}
		if err := set.add(spec, e.Value, i); err != nil {
			return err
		}
	}
	return checkAssociations(set, false)
}
