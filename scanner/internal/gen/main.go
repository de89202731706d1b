// Command gen reads GS1's Barcode Syntax Dictionary and writes the Go table
// of Application Identifiers that package scanner validates against.
//
// It is run by `go generate ./scanner/` (see scanner/gs1.go); the dictionary
// stays outside the repository, in ../shared/gs1/ relative to the project root.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// flagChars are the characters the dictionary reserves for flags.
const flagChars = "*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~"

var specRe = regexp.MustCompile(`^(\[)?([NXYZ])(\.\.)?(\d+)(\])?((?:,[a-z0-9]+)*)$`)

// knownLinters are the linters package scanner implements; an unknown name
// in a new dictionary release stops generation instead of being skipped.
var knownLinters = map[string]bool{
	"csum": true, "csumalpha": true, "gcppos1": true, "gcppos2": true,
	"hasnondigit": true, "hh": true, "hhmi": true, "hyphen": true, "iban": true,
	"importeridx": true, "iso3166": true, "iso3166999": true, "iso3166alpha2": true,
	"iso4217": true, "iso5218": true, "latitude": true, "longitude": true,
	"mediatype": true, "mi": true, "nonzero": true, "nozeroprefix": true,
	"packagetype": true, "pcenc": true, "pieceoftotal": true, "posinseqslash": true,
	"ss": true, "winding": true, "yesno": true, "yymmd0": true, "yymmdd": true,
	"yyyymmdd": true, "zero": true, "couponcode": true, "couponposoffer": true,
}

type component struct {
	cset     byte
	min, max int
	optional bool
	linters  []string
}

type entry struct {
	ai      string
	title   string
	fixed   bool
	dlAttr  bool
	comps   []component
	req     [][][]string
	ex      []string
	dlpkey  bool
	dlQuals [][]string
}

func main() {
	dict := flag.String("dict", "../../shared/gs1/gs1-syntax-dictionary.txt", "path of the GS1 Barcode Syntax Dictionary")
	out := flag.String("out", "gs1_table.go", "Go file to write")
	flag.Parse()

	f, err := os.Open(*dict)
	if err != nil {
		log.Fatalf("gen: open dictionary: %v (it lives in ../shared/gs1/ relative to the project root)", err)
	}
	defer f.Close()
	entries, release, err := parse(f)
	if err != nil {
		log.Fatalf("gen: %v", err)
	}
	if err := checkPrefixFree(entries); err != nil {
		log.Fatalf("gen: %v", err)
	}
	src, err := render(entries, release)
	if err != nil {
		log.Fatalf("gen: %v", err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatalf("gen: write %s: %v", *out, err)
	}
}

func parse(r io.Reader) ([]entry, string, error) {
	var entries []entry
	release := ""
	sc := bufio.NewScanner(r)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "# Release:") {
			release = strings.TrimSpace(strings.TrimPrefix(trimmed, "# Release:"))
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		title := ""
		if i := strings.IndexByte(line, '#'); i >= 0 {
			title = strings.TrimSpace(line[i+1:])
			line = line[:i]
		}
		toks := strings.Fields(line)
		if len(toks) < 2 {
			return nil, "", fmt.Errorf("line %d: too few fields", lineNo)
		}
		lo, hi, width, err := aiRange(toks[0])
		if err != nil {
			return nil, "", fmt.Errorf("line %d: %v", lineNo, err)
		}
		var e entry
		e.title = title
		rest := toks[1:]
		if !specRe.MatchString(rest[0]) && strings.Trim(rest[0], flagChars) == "" {
			e.fixed = strings.Contains(rest[0], "*")
			e.dlAttr = strings.Contains(rest[0], "?")
			rest = rest[1:]
		}
		for len(rest) > 0 && specRe.MatchString(rest[0]) {
			m := specRe.FindStringSubmatch(rest[0])
			n, _ := strconv.Atoi(m[4])
			c := component{cset: m[2][0], min: n, max: n, optional: m[1] == "["}
			if m[3] == ".." {
				c.min = 1
			}
			if m[6] != "" {
				for _, l := range strings.Split(m[6][1:], ",") {
					if !knownLinters[l] {
						return nil, "", fmt.Errorf("line %d: linter %q is not implemented in package scanner", lineNo, l)
					}
					c.linters = append(c.linters, l)
				}
			}
			e.comps = append(e.comps, c)
			rest = rest[1:]
		}
		if len(e.comps) == 0 {
			return nil, "", fmt.Errorf("line %d: no specification", lineNo)
		}
		for _, attr := range rest {
			k, v, _ := strings.Cut(attr, "=")
			switch k {
			case "req":
				var group [][]string
				for _, alt := range strings.Split(v, ",") {
					group = append(group, strings.Split(alt, "+"))
				}
				e.req = append(e.req, group)
			case "ex":
				e.ex = append(e.ex, strings.Split(v, ",")...)
			case "dlpkey":
				e.dlpkey = true
				if v != "" {
					for _, seq := range strings.Split(v, "|") {
						e.dlQuals = append(e.dlQuals, strings.Split(seq, ","))
					}
				}
			default:
				return nil, "", fmt.Errorf("line %d: unknown attribute %q", lineNo, attr)
			}
		}
		for ai := lo; ai <= hi; ai++ {
			x := e
			x.ai = fmt.Sprintf("%0*d", width, ai)
			entries = append(entries, x)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, "", err
	}
	if len(entries) == 0 {
		return nil, "", fmt.Errorf("no entries")
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].ai < entries[j].ai })
	return entries, release, nil
}

func aiRange(s string) (lo, hi, width int, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if !isRange {
		b = a
	}
	if len(a) < 2 || len(a) > 4 || len(b) != len(a) {
		return 0, 0, 0, fmt.Errorf("bad AI %q", s)
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || hi < lo {
		return 0, 0, 0, fmt.Errorf("bad AI %q", s)
	}
	return lo, hi, len(a), nil
}

// checkPrefixFree makes sure no AI is a prefix of another, which the
// decoder relies on to find where an AI ends without a separator.
func checkPrefixFree(entries []entry) error {
	set := map[string]bool{}
	for _, e := range entries {
		set[e.ai] = true
	}
	for _, e := range entries {
		for n := 2; n < len(e.ai); n++ {
			if set[e.ai[:n]] {
				return fmt.Errorf("AI %s is a prefix of AI %s", e.ai[:n], e.ai)
			}
		}
	}
	return nil
}

func render(entries []entry, release string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by scanner/internal/gen from the GS1 Barcode Syntax Dictionary (release %s); DO NOT EDIT.\n\n", release)
	b.WriteString("package scanner\n\n")
	fmt.Fprintf(&b, "// gs1DictionaryRelease is the release of the GS1 Barcode Syntax Dictionary the table was generated from.\nconst gs1DictionaryRelease = %q\n\n", release)
	b.WriteString("// aiTable lists every GS1 Application Identifier, sorted by AI.\nvar aiTable = [...]aiSpec{\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "{ai: %q, title: %q", e.ai, e.title)
		if e.fixed {
			b.WriteString(", fixed: true")
		}
		if e.dlAttr {
			b.WriteString(", dlAttr: true")
		}
		b.WriteString(", comps: []aiComponent{")
		for _, c := range e.comps {
			fmt.Fprintf(&b, "{cset: '%c', min: %d, max: %d", c.cset, c.min, c.max)
			if c.optional {
				b.WriteString(", optional: true")
			}
			if len(c.linters) > 0 {
				b.WriteString(", linters: []linter{")
				for _, l := range c.linters {
					fmt.Fprintf(&b, "{%q, lint%s},", l, strings.ToUpper(l[:1])+l[1:])
				}
				b.WriteString("}")
			}
			b.WriteString("},")
		}
		b.WriteString("}")
		if len(e.req) > 0 {
			b.WriteString(", req: [][][]string{")
			for _, group := range e.req {
				b.WriteString("{")
				for _, alt := range group {
					b.WriteString(strs(alt) + ",")
				}
				b.WriteString("},")
			}
			b.WriteString("}")
		}
		if len(e.ex) > 0 {
			b.WriteString(", ex: []string" + strs(e.ex))
		}
		if e.dlpkey {
			b.WriteString(", dlpkey: true")
		}
		if len(e.dlQuals) > 0 {
			b.WriteString(", dlQualifiers: [][]string{")
			for _, seq := range e.dlQuals {
				b.WriteString(strs(seq) + ",")
			}
			b.WriteString("}")
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

// strs renders a string slice as a composite literal body: {"a", "b"}.
func strs(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return "{" + strings.Join(q, ", ") + "}"
}
