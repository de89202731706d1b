package edi

import (
	"fmt"
	"sort"
	"strconv"
)

// FuncAck is one 997: the acknowledgment of one received functional group.
type FuncAck struct {
	FunctionalID string // AK101
	GroupControl string // AK102
	Sets         []SetAck
	// Status is AK901: A accepted, E accepted with errors, P partially
	// accepted, R rejected.
	Status   string
	Included int      // AK902
	Received int      // AK903
	Accepted int      // AK904
	Codes    []string // AK905-AK909
}

// SetAck is the AK2 ... AK5 answer for one transaction set.
type SetAck struct {
	ID       string // AK201
	Control  string // AK202
	Segments []SegmentNote
	// Status is AK501: A accepted, E accepted with errors, R rejected.
	Status string
	Codes  []string // AK502-AK506
}

// SegmentNote is an AK3 with its AK4s.
type SegmentNote struct {
	ID       string // AK301
	Pos      int    // AK302
	Loop     string // AK303
	Code     string // AK304
	Elements []ElementNote
}

// ElementNote is an AK4.
type ElementNote struct {
	Pos  int    // AK401
	Ref  string // AK402
	Code string // AK403
	Bad  string // AK404
}

// Acknowledge builds the 997s for a received interchange: one per group,
// each set accepted unless a problem names it. problems are the
// interchange's own (ic.Problems) plus any a document reader found.
// Problems outside any group (ISA, IEA) reject every group; with
// rejectAll every set is rejected, because the file as a whole was not
// applied. An interchange with no readable group still gets one 997, for
// a group it names "PO" 0, so the problem is reported.
func Acknowledge(ic *Interchange, problems Errors, rejectAll bool) []FuncAck {
	groups := ic.Groups
	if len(groups) == 0 {
		groups = []Group{{FunctionalID: "PO", Control: "0"}}
	}
	var envelope Errors // ISA/IEA problems, reported in every set
	for _, p := range problems {
		if p.Group < 0 {
			envelope = append(envelope, p)
		}
	}
	var out []FuncAck
	for gi, g := range groups {
		fa := FuncAck{FunctionalID: Clean(g.FunctionalID, 2), GroupControl: Clean(g.Control, 9)}
		if fa.FunctionalID == "" || fa.FunctionalID != g.FunctionalID {
			fa.FunctionalID = "PO"
		}
		if fa.GroupControl == "" || fa.GroupControl != g.Control {
			fa.GroupControl = "0"
		}
		sets := g.Sets
		if len(sets) == 0 && len(envelope) > 0 {
			sets = []Set{{ID: "850", Control: "0000"}}
		}
		groupRejected := len(envelope) > 0 || rejectAll
		var groupCodes []string
		for _, p := range problems {
			if p.Group == gi && p.Set < 0 && p.Group >= 0 {
				groupRejected = true
				if p.GroupCode != "" {
					groupCodes = appendOnce(groupCodes, p.GroupCode)
				}
			}
		}
		for si, s := range sets {
			sa := SetAck{ID: Clean(s.ID, 3), Control: Clean(s.Control, 9), Status: "A"}
			var mine Errors
			for _, p := range problems {
				if p.Group == gi && p.Set == si {
					mine = append(mine, p)
				}
			}
			mine = append(mine, envelope...)
			sa.Segments = notes(mine)
			for _, p := range mine {
				if p.SetCode != "" {
					sa.Codes = appendOnce(sa.Codes, p.SetCode)
				}
			}
			if len(mine) > 0 {
				sa.Status = "R"
				if len(sa.Codes) == 0 {
					sa.Codes = []string{SetSegmentsInError}
				}
			}
			if rejectAll || groupRejected {
				sa.Status = "R"
			}
			if len(sa.Codes) > 5 {
				sa.Codes = sa.Codes[:5]
			}
			if sa.Status == "A" {
				fa.Accepted++
			}
			fa.Sets = append(fa.Sets, sa)
		}
		fa.Included, fa.Received = len(sets), len(sets)
		switch {
		case groupRejected || fa.Accepted == 0 && len(sets) > 0:
			fa.Status = "R"
			fa.Accepted = 0
		case fa.Accepted < len(sets):
			fa.Status = "P"
		default:
			fa.Status = "A"
		}
		if len(groupCodes) > 5 {
			groupCodes = groupCodes[:5]
		}
		fa.Codes = groupCodes
		out = append(out, fa)
	}
	return out
}

func appendOnce(xs []string, x string) []string {
	for _, v := range xs {
		if v == x {
			return xs
		}
	}
	return append(xs, x)
}

// notes groups problems by segment into AK3s with their AK4s.
func notes(ps Errors) []SegmentNote {
	var out []SegmentNote
	idx := map[string]int{}
	sorted := append(Errors(nil), ps...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Line < sorted[j].Line })
	for _, p := range sorted {
		if Clean(p.Segment, 3) == "" {
			continue
		}
		pos := p.SetPos
		if pos < 1 {
			pos = 1 // envelope segments: reported at the first position
		}
		key := p.Segment + "/" + strconv.Itoa(pos) + "/" + strconv.Itoa(p.Line)
		i, ok := idx[key]
		if !ok {
			code := p.SegCode
			if code == "" {
				code = SegElementErrors
				if p.Element == 0 {
					code = SegUnexpected
				}
			}
			out = append(out, SegmentNote{ID: Clean(p.Segment, 3), Pos: pos, Loop: Clean(p.Loop, 4), Code: code})
			i = len(out) - 1
			idx[key] = i
		}
		if p.Element > 0 {
			bad := p.Bad
			if len(bad) > 99 {
				bad = bad[:99]
			}
			out[i].Elements = append(out[i].Elements, ElementNote{Pos: p.Element, Ref: p.Ref, Code: p.ElemCode, Bad: Clean(bad, 99)})
		}
	}
	return out
}

// Segments renders the 997 body (AK1 ... AK9).
func (fa FuncAck) Segments() []Segment {
	out := []Segment{Seg("AK1", fa.FunctionalID, fa.GroupControl)}
	for _, s := range fa.Sets {
		out = append(out, Seg("AK2", s.ID, s.Control))
		for _, n := range s.Segments {
			out = append(out, Seg("AK3", n.ID, strconv.Itoa(n.Pos), n.Loop, n.Code))
			for _, e := range n.Elements {
				out = append(out, Seg("AK4", strconv.Itoa(e.Pos), e.Ref, e.Code, e.Bad))
			}
		}
		out = append(out, Seg("AK5", append([]string{s.Status}, s.Codes...)...))
	}
	ak9 := []string{fa.Status, strconv.Itoa(fa.Included), strconv.Itoa(fa.Received), strconv.Itoa(fa.Accepted)}
	out = append(out, Seg("AK9", append(ak9, fa.Codes...)...))
	return out
}

// ReadFuncAck reads a received 997 set.
func ReadFuncAck(set Set, group, setIdx int) (FuncAck, Errors) {
	r := &reader{group: group, set: setIdx}
	var fa FuncAck
	var cur *SetAck
	var seg *SegmentNote
	sawAK1, sawAK9 := false, false
	for _, s := range set.Body() {
		switch s.ID {
		case "AK1":
			sawAK1 = true
			fa.FunctionalID = r.need(s, 1, "479")
			fa.GroupControl = r.need(s, 2, "28")
		case "AK2":
			fa.Sets = append(fa.Sets, SetAck{ID: r.need(s, 1, "143"), Control: r.need(s, 2, "329")})
			cur, seg = &fa.Sets[len(fa.Sets)-1], nil
		case "AK3":
			if cur == nil {
				r.unexpected(s, "AK3 before AK2")
				continue
			}
			cur.Segments = append(cur.Segments, SegmentNote{ID: r.need(s, 1, "721"), Pos: r.num(s, 2, "719"), Loop: s.El(3), Code: s.El(4)})
			seg = &cur.Segments[len(cur.Segments)-1]
		case "AK4":
			if seg == nil {
				r.unexpected(s, "AK4 before AK3")
				continue
			}
			seg.Elements = append(seg.Elements, ElementNote{Pos: r.num(s, 1, "722"), Ref: s.El(2), Code: r.need(s, 3, "723"), Bad: s.El(4)})
		case "AK5":
			if cur == nil {
				r.unexpected(s, "AK5 before AK2")
				continue
			}
			cur.Status = r.code(s, 1, "717", "A", "E", "M", "R", "W", "X")
			for i := 2; i <= 6 && i <= len(s.Elements); i++ {
				if s.El(i) != "" {
					cur.Codes = append(cur.Codes, s.El(i))
				}
			}
			cur, seg = nil, nil
		case "AK9":
			sawAK9 = true
			fa.Status = r.code(s, 1, "715", "A", "E", "M", "P", "R", "W", "X")
			fa.Included, fa.Received, fa.Accepted = r.num(s, 2, "97"), r.num(s, 3, "123"), r.num(s, 4, "2")
			for i := 5; i <= 9 && i <= len(s.Elements); i++ {
				if s.El(i) != "" {
					fa.Codes = append(fa.Codes, s.El(i))
				}
			}
		}
	}
	if !sawAK1 {
		r.missing(set, "AK1", 2, "")
	}
	if !sawAK9 {
		r.missing(set, "AK9", len(set.Segments), "")
	}
	return fa, r.errs
}

// String says in one line what a 997 reports, for logs.
func (fa FuncAck) String() string {
	return fmt.Sprintf("997 for group %s %s: %s, %d of %d sets accepted", fa.FunctionalID, fa.GroupControl, fa.Status, fa.Accepted, fa.Received)
}
