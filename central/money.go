package central

import (
	"fmt"
	"strings"
)

// parseAmount reads a decimal amount in a currency's major unit ("19.99",
// "1500", "0.125") and returns it in minor units, given the currency's
// exponent (2 for EUR, 0 for JPY, 3 for KWD). Decimal places beyond the
// exponent must be zeros: "19.999" EUR is refused rather than rounded, so
// a price never changes silently on its way in.
func parseAmount(s string, exp int) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("missing")
	}
	if s[0] == '-' {
		return 0, fmt.Errorf("%q is negative", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || !allDigits(frac) || strings.HasSuffix(s, ".") {
		return 0, fmt.Errorf("%q is not a decimal amount like 19.99", s)
	}
	if len(strings.TrimLeft(whole, "0")) > 15 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if len(frac) > exp {
		if strings.Trim(frac[exp:], "0") != "" {
			return 0, fmt.Errorf("%q has more than %d decimal places", s, exp)
		}
		frac = frac[:exp]
	}
	frac += strings.Repeat("0", exp-len(frac))
	var v int64
	for _, c := range whole + frac {
		v = v*10 + int64(c-'0')
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
