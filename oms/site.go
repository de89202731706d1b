package oms

import (
	"fmt"
	"strings"
)

// Site is a warehouse or store that ships orders.
type Site struct {
	ID      string  `json:"id" toml:"id"`
	Name    string  `json:"name" toml:"name"`
	Address Address `json:"address" toml:"address"`
	// GS1CompanyPrefix is used to build SSCCs for cartons and pallets.
	GS1CompanyPrefix string `json:"gs1_company_prefix,omitempty" toml:"gs1_company_prefix"`
}

// Location is a storage bin at a site, coded zone-aisle-bay-level
// (e.g. "A-03-12-2"). WalkSeq orders the bins along the pick path, so a
// picker's list can be sorted into one walk.
type Location struct {
	Site    string `json:"site"`
	Code    string `json:"code"`
	Zone    string `json:"zone"`
	Aisle   int    `json:"aisle"`
	Bay     int    `json:"bay"`
	Level   int    `json:"level"`
	WalkSeq int    `json:"walk_seq"`
}

// ParseLocationCode reads a zone-aisle-bay-level code such as "A-03-12-2".
// The zone is letters; aisle, bay and level are numbers.
func ParseLocationCode(code string) (Location, error) {
	parts := strings.Split(strings.TrimSpace(code), "-")
	if len(parts) != 4 {
		return Location{}, fmt.Errorf("%w location %q: want zone-aisle-bay-level, like A-03-12-2", ErrInvalid, code)
	}
	zone := strings.ToUpper(parts[0])
	if zone == "" || strings.IndexFunc(zone, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return Location{}, fmt.Errorf("%w location %q: zone %q must be letters", ErrInvalid, code, parts[0])
	}
	var nums [3]int
	for i, name := range []string{"aisle", "bay", "level"} {
		p := parts[i+1]
		if p == "" || len(p) > 4 || strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return Location{}, fmt.Errorf("%w location %q: %s %q must be 1-4 digits", ErrInvalid, code, name, p)
		}
		for _, c := range p {
			nums[i] = nums[i]*10 + int(c-'0')
		}
	}
	return Location{Code: FormatLocationCode(zone, nums[0], nums[1], nums[2]), Zone: zone, Aisle: nums[0], Bay: nums[1], Level: nums[2]}, nil
}

// FormatLocationCode writes the canonical code of a bin.
func FormatLocationCode(zone string, aisle, bay, level int) string {
	return fmt.Sprintf("%s-%02d-%02d-%d", zone, aisle, bay, level)
}

// SerpentineWalkSeq gives the position of a bin on an S-shaped pick path
// through a zone: up odd aisles, down even ones, lower levels first.
func SerpentineWalkSeq(l Location, baysPerAisle, levels int) int {
	bay := l.Bay
	if l.Aisle%2 == 0 {
		bay = baysPerAisle + 1 - l.Bay
	}
	return ((l.Aisle*(baysPerAisle+1))+bay)*(levels+1) + l.Level
}
