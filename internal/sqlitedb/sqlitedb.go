// Package sqlitedb opens Packline's SQLite files (the station cache and
// central's database) the one safe way: header check first, WAL,
// synchronous=FULL, foreign keys, busy timeout, immediate write locks, and
// embedded numbered migrations tracked by PRAGMA user_version.
package sqlitedb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver
)

// ErrNotDatabase is returned when the file to open exists but is not a
// SQLite database, or its pages are corrupt. The file is left as it is.
var ErrNotDatabase = errors.New("not a SQLite database")

// ErrNewerSchema is returned when the database was written by a newer
// version of Packline than this one. Nothing is changed.
var ErrNewerSchema = errors.New("database schema is newer than this program")

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// Options are the connection settings every Packline database uses.
const Options = "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on&_busy_timeout=10000&_txlock=immediate&_stmt_cache_size=128"

// Open opens (creating if absent) the database at path and applies the
// migrations found as NNNN_name.sql in dir of migrations. what names the
// database in errors ("station db", "central db"). A file that is not
// SQLite, a newer schema or an unwritable place is an error naming the
// file, and the file is not touched.
func Open(what, path string, migrations fs.FS, dir string) (*sql.DB, error) {
	if err := checkHeader(what, path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open %s %s: %w", what, path, err)
	}
	ms, err := readMigrations(migrations, dir)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s %s: %w", what, path, err)
	}
	if err := initDB(context.Background(), db, what, path, ms); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// DSN is the go-sqlite3 data source name for path with Packline's options.
func DSN(path string) string {
	// _txlock=immediate takes the write lock at BEGIN, so two writers queue
	// on the busy timeout instead of failing to upgrade a read lock.
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(path) + "?" + Options
}

func checkHeader(what, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s %s: %w", what, path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && err == io.EOF {
		return nil // an empty file is a new database
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("open %s %s: %w", what, path, err)
	}
	if !bytes.Equal(head[:n], sqliteHeader) {
		return fmt.Errorf("open %s %s: %w (the file is left as it is)", what, path, ErrNotDatabase)
	}
	return nil
}

func wrapErr(what, path string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "file is not a database"), strings.Contains(msg, "malformed"):
		return fmt.Errorf("open %s %s: %w: %v", what, path, ErrNotDatabase, err)
	case strings.Contains(msg, "unable to open"), strings.Contains(msg, "readonly"), strings.Contains(msg, "read-only"):
		return fmt.Errorf("open %s %s: cannot open for writing (check the folder exists and is writable): %w", what, path, err)
	}
	return fmt.Errorf("open %s %s: %w", what, path, err)
}

type migration struct {
	version int
	name    string
	sql     string
}

// readMigrations reads NNNN_name.sql files; versions must run 1, 2, 3...
func readMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
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
		body, err := fs.ReadFile(fsys, path.Join(dir, name))
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

// Latest is the number of migrations in dir of fsys: the schema version
// this build writes.
func Latest(fsys fs.FS, dir string) int {
	ms, err := readMigrations(fsys, dir)
	if err != nil {
		return 0
	}
	return len(ms)
}

func initDB(ctx context.Context, db *sql.DB, what, path string, ms []migration) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return wrapErr(what, path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("open %s %s: journal mode is %q, want wal", what, path, mode)
	}
	var current int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return wrapErr(what, path, err)
	}
	if current > len(ms) {
		return fmt.Errorf("open %s %s: %w: schema version %d, this program knows up to %d; upgrade the software",
			what, path, ErrNewerSchema, current, len(ms))
	}
	for _, m := range ms[current:] {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return wrapErr(what, path, err)
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("open %s %s: migration %s: %w", what, path, m.name, err)
		}
		// user_version lives in the database header and is written in the
		// same transaction: a crash leaves the migration wholly done or not.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("open %s %s: migration %s: %w", what, path, m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("open %s %s: migration %s: %w", what, path, m.name, err)
		}
	}
	return nil
}

// IntegrityCheck runs SQLite's full integrity check and returns its
// findings as an error, or nil when the database is sound.
func IntegrityCheck(ctx context.Context, db *sql.DB, path string) error {
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check %s: %w", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("integrity check %s: %w", path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check %s: %w", path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check %s: %s", path, strings.Join(problems, "; "))
	}
	return nil
}
