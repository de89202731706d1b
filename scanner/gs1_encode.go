package scanner

import (
	"net/url"
	"strings"
)

// EncodeElementString writes elements as a GS1 element string the way a
// scanner transmits it: AI and value back to back, with GS (FNC1) after
// every element that is not of predefined length, except the last.
// Unknown AIs are written as variable-length.
func EncodeElementString(elems []Element) string {
	var b strings.Builder
	for i, e := range elems {
		b.WriteString(e.AI)
		b.WriteString(e.Value)
		if i < len(elems)-1 {
			if spec, ok := aiIndex[e.AI]; !ok || !spec.fixed {
				b.WriteByte(GS)
			}
		}
	}
	return b.String()
}

// EncodeBracketed writes elements in the human-readable bracketed form,
// (01)09506000134352(10)AB-12, with '(' inside a value written "\(".
func EncodeBracketed(elems []Element) string {
	var b strings.Builder
	for _, e := range elems {
		b.WriteByte('(')
		b.WriteString(e.AI)
		b.WriteByte(')')
		b.WriteString(strings.ReplaceAll(e.Value, "(", `\(`))
	}
	return b.String()
}

// EncodeDigitalLink writes elements as a GS1 Digital Link URI on base
// (for example "https://id.gs1.org"): the first primary key and the
// qualifiers that follow it in its sequence go in the path, every other
// element in the query. ok is false when elems hold no primary key.
func EncodeDigitalLink(base string, elems []Element) (string, bool) {
	pk := -1
	for i, e := range elems {
		if spec, ok := aiIndex[e.AI]; ok && spec.dlpkey {
			pk = i
			break
		}
	}
	if pk < 0 {
		return "", false
	}
	spec := aiIndex[elems[pk].AI]
	inPath := map[string]bool{}
	var b strings.Builder
	b.WriteString(strings.TrimRight(base, "/"))
	b.WriteString("/" + elems[pk].AI + "/" + url.PathEscape(elems[pk].Value))
	// Use the qualifier sequence that covers the most qualifiers present.
	var best []string
	for _, seq := range spec.dlQualifiers {
		var got []string
		for _, q := range seq {
			for _, e := range elems {
				if e.AI == q {
					got = append(got, q)
				}
			}
		}
		if len(got) > len(best) {
			best = got
		}
	}
	for _, q := range best {
		for _, e := range elems {
			if e.AI == q {
				b.WriteString("/" + q + "/" + url.PathEscape(e.Value))
				inPath[q] = true
			}
		}
	}
	sep := "?"
	for i, e := range elems {
		if i == pk || inPath[e.AI] {
			continue
		}
		b.WriteString(sep + e.AI + "=" + url.QueryEscape(e.Value))
		sep = "&"
	}
	return b.String(), true
}
