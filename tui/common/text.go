package common

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fit shortens plain text s to at most w cells. It cuts between words and
// marks the cut with "…", so nothing is ever cut mid-word; only a single
// word wider than the whole line is cut inside.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	if w == 1 {
		return "…"
	}
	words := strings.Fields(s)
	var b strings.Builder
	for _, word := range words {
		next := word
		if b.Len() > 0 {
			next = " " + word
		}
		if ansi.StringWidth(b.String()+next) > w-1 {
			break
		}
		b.WriteString(next)
	}
	if b.Len() == 0 {
		return ansi.Truncate(s, w-1, "") + "…"
	}
	return b.String() + "…"
}

// Pad fills plain text s with spaces to exactly w cells (cutting it with
// Fit when longer).
func Pad(s string, w int) string {
	s = Fit(s, w)
	if n := ansi.StringWidth(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// Lines joins the first h lines, each fitted to w, padding with empty
// lines to exactly h.
func Lines(lines []string, w, h int) string {
	if h <= 0 {
		return ""
	}
	out := make([]string, 0, h)
	for _, l := range lines {
		if len(out) == h {
			break
		}
		out = append(out, l)
	}
	for len(out) < h {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}

// Window returns the start of a scroll window of h rows over n items that
// keeps item sel visible, a little ahead of centre.
func Window(n, sel, h int) int {
	if h <= 0 || n <= h {
		return 0
	}
	start := sel - h/3
	start = max(0, min(start, n-h))
	return start
}

// WithFooter lays out a body of exactly h lines: the first h-1 of lines,
// padded, then footer on the last line.
func WithFooter(lines []string, footer string, w, h int) string {
	if h <= 0 {
		return ""
	}
	if h == 1 {
		if footer != "" {
			return footer
		}
		return Lines(lines, w, 1)
	}
	body := make([]string, 0, h)
	for _, l := range lines {
		if len(body) == h-1 {
			break
		}
		body = append(body, l)
	}
	for len(body) < h-1 {
		body = append(body, "")
	}
	return strings.Join(append(body, footer), "\n")
}
