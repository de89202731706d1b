package shipping

import (
	"fmt"
	"strings"

	"github.com/packline/packline/oms"
)

// FormatMoney writes minor units of an ISO 4217 currency as a decimal
// amount with the code: 1250 EUR is "12.50 EUR", 1500 JPY "1500 JPY",
// 1250 KWD "1.250 KWD". An unknown code is written as minor units.
func FormatMoney(minor int64, currency string) string {
	exp, ok := oms.CurrencyExponent(currency)
	if !ok || exp == 0 {
		return fmt.Sprintf("%d %s", minor, currency)
	}
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-minor)
	}
	div := uint64(1)
	for range exp {
		div *= 10
	}
	return fmt.Sprintf("%s%d.%0*d %s", sign, u/div, exp, u%div, strings.ToUpper(currency))
}
