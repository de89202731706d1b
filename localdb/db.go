package localdb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	stdsync "sync"
	"time"

	"github.com/packline/packline/internal/sqlitedb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is an open station cache.
type DB struct {
	path string
	sql  *sql.DB

	mu      stdsync.Mutex // guards site, station
	site    string
	station string

	// recorded is signalled (without blocking) after each Record commits
	// events, so the outbox drainer wakes at once.
	recorded chan struct{}
}

// Recorded is signalled after a Record call commits events.
func (d *DB) Recorded() <-chan struct{} { return d.recorded }

// Open opens (creating if absent) the station database at path, with WAL,
// synchronous=FULL, foreign keys and a busy timeout, and brings its schema
// up to date. A file that is not SQLite, a database from a newer Packline,
// or a place that cannot be written is an error naming the file; in each
// case the file is left untouched.
func Open(path string) (*DB, error) {
	db, err := sqlitedb.Open("station db", path, migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	d := &DB{path: path, sql: db, recorded: make(chan struct{}, 1)}
	if err := d.loadIdentity(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open station db %s: %w", path, err)
	}
	return d, nil
}

// SchemaVersion is the schema version this build of Packline writes.
func SchemaVersion() int { return sqlitedb.Latest(migrationFiles, "migrations") }

// Path is the database file's path.
func (d *DB) Path() string { return d.path }

// Close closes the database.
func (d *DB) Close() error { return d.sql.Close() }

// IntegrityCheck runs SQLite's full integrity check and returns its
// findings as an error, or nil when the database is sound.
func (d *DB) IntegrityCheck(ctx context.Context) error {
	return sqlitedb.IntegrityCheck(ctx, d.sql, d.path)
}

func (d *DB) loadIdentity(ctx context.Context) error {
	rows, err := d.sql.QueryContext(ctx, "SELECT key, value FROM meta WHERE key IN ('site', 'station')")
	if err != nil {
		return err
	}
	defer rows.Close()
	d.mu.Lock()
	defer d.mu.Unlock()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		if k == "site" {
			d.site = v
		} else {
			d.station = v
		}
	}
	return rows.Err()
}

// Identity returns the station's site and station ids ("" until set).
func (d *DB) Identity() (site, station string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.site, d.station
}

// SetIdentity records which site and station this database belongs to.
// Setting the same identity again is a no-op; changing it once events were
// recorded is refused, because the event sequence belongs to the old one.
func (d *DB) SetIdentity(ctx context.Context, site, station string) error {
	if err := validateIdentity(site, station); err != nil {
		return fmt.Errorf("station db %s: %w", d.path, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.site == site && d.station == station {
		return nil
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("station db %s: set identity: %w", d.path, err)
	}
	defer tx.Rollback()
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT last FROM event_seq WHERE id = 1").Scan(&last); err != nil {
		return fmt.Errorf("station db %s: set identity: %w", d.path, err)
	}
	if last > 0 && d.site != "" {
		return fmt.Errorf("station db %s: %w (is %s/%s, asked for %s/%s)", d.path, ErrIdentityChanged, d.site, d.station, site, station)
	}
	now := timestamp(time.Now())
	for k, v := range map[string]string{"site": site, "station": station, "identity_set_at": now} {
		if _, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", k, v); err != nil {
			return fmt.Errorf("station db %s: set identity: %w", d.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("station db %s: set identity: %w", d.path, err)
	}
	d.site, d.station = site, station
	return nil
}

// OpenStation opens the database at path and sets its identity.
func OpenStation(path, site, station string) (*DB, error) {
	d, err := Open(path)
	if err != nil {
		return nil, err
	}
	if err := d.SetIdentity(context.Background(), site, station); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// timestamp is how times are stored: RFC 3339 in UTC, with nanoseconds,
// so text order is time order.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func parseTimestamp(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
