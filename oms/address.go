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

// Validate checks the fields a carrier needs, and refuses control
// characters and invalid UTF-8 in every field (checkText). The error
// starts with the bad field's name.
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
	// Every field is checked for control characters; limit 0 means no
	// length limit (phone and email never had one).
	for _, f := range []struct {
		name, v string
		limit   int
	}{
		{"name", a.Name, 100}, {"company", a.Company, 100}, {"street1", a.Street1, 100}, {"street2", a.Street2, 100},
		{"city", a.City, 100}, {"region", a.Region, 100}, {"postal_code", a.PostalCode, 100},
		{"phone", a.Phone, 0}, {"email", a.Email, 0},
	} {
		if f.limit > 0 && len(f.v) > f.limit {
			return fmt.Errorf("%s: longer than %d bytes", f.name, f.limit)
		}
		if err := CheckText(f.v); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}
