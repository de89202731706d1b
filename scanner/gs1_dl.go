package scanner

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/packline/packline/oms"
)

// isHTTPURI reports whether s starts with http:// or https://, in any case.
func isHTTPURI(s string) bool {
	return hasPrefixFold(s, "https://") || hasPrefixFold(s, "http://")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// dlSegment is one path segment or query part with its position in the URI.
type dlSegment struct {
	text string
	pos  int
}

// dlError is a Digital Link error at pos.
func dlError(pos int, reason string) error {
	return &AIError{Pos: pos, Err: ErrBadDigitalLink, Reason: reason}
}

// looksLikeDigitalLink reports whether an http(s) URI has a GS1 primary
// key in its path, so that a plain URL (a web page, a vendor link) can be
// told apart from a Digital Link that is malformed.
func looksLikeDigitalLink(uri string) bool {
	segs, _, err := splitDigitalLink(uri)
	if err != nil {
		return false
	}
	for _, s := range segs {
		if spec, ok := aiIndex[s.text]; ok && spec.dlpkey {
			return true
		}
	}
	return false
}

// splitDigitalLink splits a URI into its path segments and query parts,
// still percent-encoded.
func splitDigitalLink(uri string) (segs, query []dlSegment, err error) {
	rest := uri
	schemeEnd := strings.Index(rest, "://") + 3
	hostEnd := strings.IndexAny(rest[schemeEnd:], "/?#")
	if hostEnd < 0 {
		return nil, nil, dlError(len(uri), "no path")
	}
	if hostEnd == 0 {
		return nil, nil, dlError(schemeEnd, "no host")
	}
	pos := schemeEnd + hostEnd
	rest = uri[pos:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	path, q, _ := strings.Cut(rest, "?")
	off := pos
	for _, s := range strings.Split(path, "/") {
		if s != "" {
			segs = append(segs, dlSegment{text: s, pos: off})
		}
		off += len(s) + 1
	}
	off = pos + len(path) + 1
	if q != "" {
		for _, s := range strings.Split(q, "&") {
			if s != "" {
				query = append(query, dlSegment{text: s, pos: off})
			}
			off += len(s) + 1
		}
	}
	return segs, query, nil
}

// parseDigitalLink parses a GS1 Digital Link URI on any host: the primary
// key and its qualifiers in the path (after any path prefix), data
// attributes as numeric query parameters. Other query parameters
// (linkType, context, ...) are ignored.
func parseDigitalLink(uri string, opts parseOpts) (*elementSet, error) {
	segs, query, err := splitDigitalLink(uri)
	if err != nil {
		return nil, err
	}
	// pairs[i]: segments i, i+2, ... to the end are all AIs, so the path
	// from i on reads as /AI/value pairs. Computed backwards in one pass.
	pairs := make([]bool, len(segs)+2)
	pairs[len(segs)] = true
	for i := len(segs) - 1; i >= 0; i-- {
		_, ok := aiIndex[segs[i].text]
		pairs[i] = ok && pairs[i+2] && i+1 < len(segs)
	}
	start := -1
	for i := 0; i < len(segs); i++ {
		if spec, ok := aiIndex[segs[i].text]; ok && spec.dlpkey && (len(segs)-i)%2 == 0 && pairs[i] {
			start = i
			break
		}
	}
	if start < 0 {
		at := len(uri)
		if len(segs) > 0 {
			at = segs[0].pos
		}
		return nil, dlError(at, "path has no GS1 primary key followed by /AI/value pairs")
	}
	set := &elementSet{}
	primary := aiIndex[segs[start].text]
	var quals []string
	for k := start; k < len(segs); k += 2 {
		spec := aiIndex[segs[k].text]
		val, uerr := url.PathUnescape(segs[k+1].text)
		if uerr != nil {
			return nil, dlError(segs[k+1].pos, "bad percent-encoding in value of ("+spec.ai+")")
		}
		if spec.ai == "01" && len(val) < 14 && (len(val) == 8 || len(val) == 12 || len(val) == 13) && oms.AllDigits(val) {
			val = strings.Repeat("0", 14-len(val)) + val // GTIN-8/12/13 in a Digital Link is padded to 14
		}
		if k > start {
			quals = append(quals, spec.ai)
		}
		if err := validateValue(spec, val, segs[k+1].pos); err != nil {
			return nil, err
		}
		if err := set.add(spec, val, segs[k].pos); err != nil {
			return nil, err
		}
	}
	if err := checkQualifiers(primary, quals, segs[start].pos); err != nil {
		return nil, err
	}
	for _, q := range query {
		k, v, _ := strings.Cut(q.text, "=")
		if !oms.AllDigits(k) {
			continue
		}
		spec, ok := aiIndex[k]
		if !ok {
			return nil, &AIError{Pos: q.pos, Err: ErrUnknownAI, Reason: "query parameter " + strconv.Quote(k) + " is not a GS1 AI"}
		}
		if !spec.dlAttr {
			return nil, dlError(q.pos, "("+k+") "+spec.title+" is not permitted as a Digital Link query attribute")
		}
		for _, qq := range quals {
			if qq == k {
				return nil, dlError(q.pos, "("+k+") is already in the path")
			}
		}
		if k == primary.ai {
			return nil, dlError(q.pos, "("+k+") is the primary key of the path")
		}
		val, uerr := url.PathUnescape(v)
		if uerr != nil {
			return nil, dlError(q.pos+len(k)+1, "bad percent-encoding in value of ("+k+")")
		}
		if err := validateValue(spec, val, q.pos+len(k)+1); err != nil {
			return nil, err
		}
		if err := set.add(spec, val, q.pos); err != nil {
			return nil, err
		}
	}
	if err := checkAssociations(set, opts.skipReq); err != nil {
		return nil, err
	}
	return set, nil
}

// checkQualifiers checks that the path qualifiers after the primary key
// follow, in order, one of its qualifier sequences.
func checkQualifiers(primary *aiSpec, quals []string, pos int) error {
	if len(quals) == 0 {
		return nil
	}
	for _, seq := range primary.dlQualifiers {
		if matchesInOrder(seq, quals) {
			return nil
		}
	}
	if len(primary.dlQualifiers) == 0 {
		return dlError(pos, "primary key ("+primary.ai+") takes no qualifiers in the path, got ("+strings.Join(quals, "), (")+")")
	}
	alts := make([]string, len(primary.dlQualifiers))
	for i, seq := range primary.dlQualifiers {
		alts[i] = "(" + strings.Join(seq, ")/(") + ")"
	}
	return dlError(pos, "qualifiers ("+strings.Join(quals, ")/(")+") after ("+primary.ai+") must follow the order "+strings.Join(alts, " or "))
}

// matchesInOrder reports whether quals is a subsequence of seq.
func matchesInOrder(seq, quals []string) bool {
	j := 0
	for _, q := range quals {
		for j < len(seq) && seq[j] != q {
			j++
		}
		if j == len(seq) {
			return false
		}
		j++
	}
	return true
}
