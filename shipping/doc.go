// Package shipping rates, numbers and documents parcels at the pack station,
// offline: carriers and services come from a config file of rate cards
// (zones by destination country and postal prefix from each site, weight
// breaks, dimensional weight, surcharges, transit days); tracking numbers
// and SSCCs are issued locally from number ranges central allocated to the
// station in advance; customs declarations (CN22/CN23) and end-of-day
// manifests are built from what the station already holds.
//
// The pack screen talks to a Service (see docs/shipping.md). Storage is
// behind small interfaces (NumberStore, ManifestStore) that the station's
// localdb implements, so this package imports neither localdb nor printers
// nor any UI toolkit.
//
// Money is always int64 minor units of an ISO 4217 currency
// (oms.CurrencyExponent); weights are grams; lengths millimetres.
package shipping
