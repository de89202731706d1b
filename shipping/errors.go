package shipping

import "errors"

// ErrConfig is wrapped by every error about a bad shipping config; the
// message names the field, e.g. "carriers[2].services[1].rates[3].max_g".
var ErrConfig = errors.New("invalid shipping config")

// ErrNoService is returned by Rate when no configured service can carry the
// parcel at all (no zone for the destination, too heavy, too big, wrong
// service level); the message says why for each carrier.
var ErrNoService = errors.New("no service can carry this parcel")

// ErrPromiseUnmet is returned by Choose when services can carry the parcel
// but none delivers by the promised date. Choose still returns the fastest
// quote, so the packer can ship it and the lead can be told.
var ErrPromiseUnmet = errors.New("no service meets the delivery promise")

// ErrUnknownCarrier is returned when a carrier or service id is not in the config.
var ErrUnknownCarrier = errors.New("unknown carrier or service")

// ErrUnknownManifest is returned by Manifest and LastManifest when the
// station holds no such manifest (an unknown id, or a carrier never closed
// out).
var ErrUnknownManifest = errors.New("no such manifest at this station")

// ErrNoNumbers is returned when the station holds no unissued numbers of a
// series: central has not sent (or the station has not yet received) a range.
var ErrNoNumbers = errors.New("no tracking numbers left in the station's ranges")

// ErrCustomsData is wrapped by a *CustomsError: an international order
// whose SKUs lack what a customs declaration needs. The parcel must not ship.
var ErrCustomsData = errors.New("customs data missing")

// ErrInvalidParcel is returned for a parcel the rater cannot read: no
// weight, negative dimensions, a destination without a country.
var ErrInvalidParcel = errors.New("invalid parcel")

// ErrNotSupported is returned by a carrier adapter for an operation it
// cannot do (the offline rate-card carrier cannot track parcels).
var ErrNotSupported = errors.New("not supported by this carrier")

// ErrNothingToClose is returned by CloseOut when a carrier has no open shipments.
var ErrNothingToClose = errors.New("no shipments to close out")
