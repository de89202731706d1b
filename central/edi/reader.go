package edi

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/packline/packline/oms"
)

// reader checks the elements of one transaction set and collects the
// problems as 997-ready SyntaxErrors.
type reader struct {
	group, set int
	loop       string
	errs       Errors
}

func (r *reader) add(s Segment, el int, ref, code, bad, format string, args ...any) {
	r.errs = append(r.errs, &SyntaxError{Segment: s.ID, SetPos: s.SetPos, Line: s.Line, Loop: r.loop, Element: el, Ref: ref,
		SegCode: SegElementErrors, ElemCode: code, Bad: bad, SetCode: SetSegmentsInError, Msg: fmt.Sprintf(format, args...), Group: r.group, Set: r.set})
}

func (r *reader) unexpected(s Segment, why string) {
	r.errs = append(r.errs, &SyntaxError{Segment: s.ID, SetPos: s.SetPos, Line: s.Line, Loop: r.loop, SegCode: SegUnexpected,
		SetCode: SetSegmentsInError, Msg: why, Group: r.group, Set: r.set})
}

// missing records a mandatory segment that is not there; pos is where it
// was expected.
func (r *reader) missing(set Set, id string, pos int, loop string) {
	line := set.Line + pos - 1
	r.errs = append(r.errs, &SyntaxError{Segment: id, SetPos: pos, Line: line, Loop: loop, SegCode: SegMandatoryMissing,
		SetCode: SetSegmentsInError, Msg: fmt.Sprintf("mandatory segment %s is missing", id), Group: r.group, Set: r.set})
}

// need returns element n, recording a problem when it is empty.
func (r *reader) need(s Segment, n int, ref string) string {
	v := strings.TrimSpace(s.El(n))
	if v == "" {
		r.add(s, n, ref, ElemMandatoryMissing, "", "%s%02d is mandatory and missing", s.ID, n)
	}
	return v
}

// code returns element n, which must be one of allowed (when present).
func (r *reader) code(s Segment, n int, ref string, allowed ...string) string {
	v := strings.TrimSpace(s.El(n))
	if v != "" && !slices.Contains(allowed, v) {
		r.add(s, n, ref, ElemInvalidCode, v, "%s%02d: unknown qualifier %q; want one of %s", s.ID, n, v, strings.Join(allowed, ", "))
		return ""
	}
	return v
}

// needCode is code for a mandatory element.
func (r *reader) needCode(s Segment, n int, ref string, allowed ...string) string {
	if strings.TrimSpace(s.El(n)) == "" {
		r.need(s, n, ref)
		return ""
	}
	return r.code(s, n, ref, allowed...)
}

// num reads a whole number (an R element must be integral here).
func (r *reader) num(s Segment, n int, ref string) int {
	v := strings.TrimSpace(s.El(n))
	if v == "" {
		r.add(s, n, ref, ElemMandatoryMissing, "", "%s%02d is mandatory and missing", s.ID, n)
		return 0
	}
	whole, frac, _ := strings.Cut(v, ".")
	if strings.Trim(frac, "0") != "" || !oms.AllDigits(whole) || len(whole) > 9 {
		r.add(s, n, ref, ElemInvalidChar, v, "%s%02d %q is not a whole number", s.ID, n, v)
		return 0
	}
	x, _ := strconv.Atoi(whole)
	return x
}

// date reads a CCYYMMDD element.
func (r *reader) date(s Segment, n int, ref string, mandatory bool) time.Time {
	v := strings.TrimSpace(s.El(n))
	if v == "" {
		if mandatory {
			r.add(s, n, ref, ElemMandatoryMissing, "", "%s%02d is mandatory and missing", s.ID, n)
		}
		return time.Time{}
	}
	t, err := time.Parse("20060102", v)
	if err != nil {
		r.add(s, n, ref, ElemInvalidDate, v, "%s%02d %q is not a date CCYYMMDD", s.ID, n, v)
		return time.Time{}
	}
	return t
}

// decimal checks an R element: digits with at most one point.
func (r *reader) decimal(s Segment, n int, ref string) string {
	v := strings.TrimSpace(s.El(n))
	if v == "" {
		return ""
	}
	whole, frac, _ := strings.Cut(v, ".")
	if whole == "" {
		whole = "0"
	}
	if !oms.AllDigits(whole) || frac != "" && !oms.AllDigits(frac) || len(v) > 17 {
		r.add(s, n, ref, ElemInvalidChar, v, "%s%02d %q is not a decimal number", s.ID, n, v)
		return ""
	}
	return v
}

// maxLen checks an element's length.
func (r *reader) maxLen(s Segment, n int, ref string, max int) string {
	v := strings.TrimSpace(s.El(n))
	if len(v) > max {
		r.add(s, n, ref, ElemTooLong, v, "%s%02d is %d characters; at most %d", s.ID, n, len(v), max)
		return v[:max]
	}
	return v
}
