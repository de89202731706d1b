// Package localdb is the station's SQLite cache: the catalog and orders a
// station needs to work offline, what it scanned and packed, its print
// spool, and the transactional outbox of events for central.
//
// The rule that keeps data safe: every local change and the events that
// report it commit in one transaction (Record). When Record returns, the
// change and its events are on disk (WAL, synchronous=FULL). Nothing else
// writes the outbox.
package localdb
