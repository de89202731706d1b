package oms

import (
	"fmt"
	"strings"
)

// Address is a postal address as it goes on a label or a customs form.
// Country is the ISO 3166-1 alpha-2 code.
type Address struct {
	Name       string `json:"name" toml:"name"`
	Company    string `json:"company,omitempty" toml:"company"`
	Street1    string `json:"street1" toml:"street1"`
	Street2    string `json:"street2,omitempty" toml:"street2"`
	City       string `json:"city" toml:"city"`
	Region     string `json:"region,omitempty" toml:"region"`
	PostalCode string `json:"postal_code" toml:"postal_code"`
	Country    string `json:"country" toml:"country"`
	Phone      string `json:"phone,omitempty" toml:"phone"`
	Email      string `json:"email,omitempty" toml:"email"`
}

// Validate checks the fields a carrier needs. The error starts with the
// bad field's name.
func (a Address) Validate() error {
	switch {
	case strings.TrimSpace(a.Name) == "" && strings.TrimSpace(a.Company) == "":
		return fmt.Errorf("name: missing (name or company is needed)")
	case strings.TrimSpace(a.Street1) == "":
		return fmt.Errorf("street1: missing")
	case strings.TrimSpace(a.City) == "":
		return fmt.Errorf("city: missing")
	case !validCountry(a.Country):
		return fmt.Errorf("country: %q is not an ISO 3166-1 alpha-2 code", a.Country)
	}
	for _, f := range []struct{ name, v string }{
		{"name", a.Name}, {"company", a.Company}, {"street1", a.Street1}, {"street2", a.Street2},
		{"city", a.City}, {"region", a.Region}, {"postal_code", a.PostalCode},
	} {
		if len(f.v) > 100 {
			return fmt.Errorf("%s: longer than 100 bytes", f.name)
		}
		if strings.ContainsFunc(f.v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return fmt.Errorf("%s: contains control characters", f.name)
		}
	}
	return nil
}

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}
