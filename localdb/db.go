package localdb

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	stdsync "sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// DB is an open station cache.
type DB struct {
	path string
	sql  *sql.DB

	mu      stdsync.Mutex // guards site, station
	site    string
	station string
}

// Open opens (creating if absent) the station database at path, with WAL,
// synchronous=FULL, foreign keys and a busy timeout, and brings its schema
// up to date. A file that is not SQLite, a database from a newer Packline,
// or a place that cannot be written is an error naming the file; in each
// case the file is left untouched.
func Open(path string) (*DB, error) {
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	// _txlock=immediate takes the write lock at BEGIN, so two writers queue
	// on the busy timeout instead of failing to upgrade a read lock.
	dsn := "file:" + escapePath(path) + "?_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on&_busy_timeout=10000&_txlock=immediate"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open station db %s: %w", path, err)
	}
	d := &DB{path: path, sql: db}
	if err := d.init(); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// escapePath makes a file path safe inside a SQLite URI.
func escapePath(p string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return r.Replace(p)
}

func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open station db %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF) {
		return nil // an empty file is a new database
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("open station db %s: %w", path, err)
	}
	if !bytes.Equal(head[:n], sqliteHeader) {
		return fmt.Errorf("open station db %s: %w (the file is left as it is)", path, ErrNotDatabase)
	}
	return nil
}

func (d *DB) init() error {
	ctx := context.Background()
	var mode string
	if err := d.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return d.wrapOpenErr(err)
	}
	if mode != "wal" {
		return fmt.Errorf("open station db %s: journal mode is %q, want wal", d.path, mode)
	}
	if err := d.migrate(ctx); err != nil {
		return err
	}
	return d.loadIdentity(ctx)
}

func (d *DB) wrapOpenErr(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "file is not a database"), strings.Contains(msg, "malformed"):
		return fmt.Errorf("open station db %s: %w: %v", d.path, ErrNotDatabase, err)
	case strings.Contains(msg, "unable to open"), strings.Contains(msg, "readonly"), strings.Contains(msg, "read-only"):
		return fmt.Errorf("open station db %s: cannot open for writing (check the folder exists and is writable): %w", d.path, err)
	}
	return fmt.Errorf("open station db %s: %w", d.path, err)
}

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the embedded NNNN_name.sql files; versions must run
// 1, 2, 3... without gaps.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", name)
		}
		body, err := migrationFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: version %d, want %d", m.name, m.version, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the schema version this build of Packline writes.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

func (d *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("open station db %s: %w", d.path, err)
	}
	var current int
	if err := d.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return d.wrapOpenErr(err)
	}
	if current > len(ms) {
		return fmt.Errorf("open station db %s: %w: schema version %d, this program knows up to %d; upgrade the station software",
			d.path, ErrNewerSchema, current, len(ms))
	}
	for _, m := range ms[current:] {
		tx, err := d.sql.BeginTx(ctx, nil)
		if err != nil {
			return d.wrapOpenErr(err)
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("open station db %s: migration %s: %w", d.path, m.name, err)
		}
		// user_version is part of the database header, written in the same
		// transaction: a crash leaves the migration wholly done or not at all.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("open station db %s: migration %s: %w", d.path, m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("open station db %s: migration %s: %w", d.path, m.name, err)
		}
	}
	return nil
}

// Path is the database file's path.
func (d *DB) Path() string { return d.path }

// Close closes the database.
func (d *DB) Close() error { return d.sql.Close() }

// IntegrityCheck runs SQLite's full integrity check and returns its
// findings as an error, or nil when the database is sound.
func (d *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := d.sql.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check %s: %w", d.path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("integrity check %s: %w", d.path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check %s: %w", d.path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check %s: %s", d.path, strings.Join(problems, "; "))
	}
	return nil
}

func (d *DB) loadIdentity(ctx context.Context) error {
	rows, err := d.sql.QueryContext(ctx, "SELECT key, value FROM meta WHERE key IN ('site', 'station')")
	if err != nil {
		return d.wrapOpenErr(err)
	}
	defer rows.Close()
	d.mu.Lock()
	defer d.mu.Unlock()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return d.wrapOpenErr(err)
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
