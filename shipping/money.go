package shipping

import "github.com/packline/packline/oms"

// FormatMoney writes minor units of an ISO 4217 currency as a decimal
// amount with the code (oms.FormatMoney).
func FormatMoney(minor int64, currency string) string { return oms.FormatMoney(minor, currency) }
