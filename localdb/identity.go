package localdb

import "github.com/packline/packline/oms"

func validateIdentity(site, station string) error {
	if err := oms.ValidateID("site", site); err != nil {
		return err
	}
	return oms.ValidateID("station", station)
}
