package localdb

import (
	"errors"

	"github.com/packline/packline/internal/sqlitedb"
)

// ErrNotDatabase is returned when the file to open exists but is not a
// SQLite database. The file is left as it is.
var ErrNotDatabase = sqlitedb.ErrNotDatabase

// ErrNewerSchema is returned when the database was written by a newer
// version of Packline than this one. Nothing is changed; upgrade the
// station software instead of downgrading the data.
var ErrNewerSchema = sqlitedb.ErrNewerSchema

// ErrNoIdentity is returned when events are recorded before the station's
// site and station ids are set.
var ErrNoIdentity = errors.New("station identity not set")

// ErrIdentityChanged is returned when a station that has already recorded
// events is given another site or station id: its event sequence belongs
// to the old one.
var ErrIdentityChanged = errors.New("station identity cannot change after events were recorded")

// ErrUnknownBarcode is returned when a scanned code matches no SKU.
var ErrUnknownBarcode = errors.New("unknown barcode")

// ErrOutboxWrite is returned when a Tx statement tries to touch the outbox,
// which only Emit may write.
var ErrOutboxWrite = errors.New("outbox is written by Emit only")
