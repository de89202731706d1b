package central

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"fmt"
	"time"

	"github.com/packline/packline/internal/sqlitedb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is central's SQLite database.
type Store struct {
	path string
	db   *sql.DB
	now  func() time.Time
}

// OpenStore opens (creating if absent) central's database at path.
func OpenStore(path string) (*Store, error) {
	db, err := sqlitedb.Open("central db", path, migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	return &Store{path: path, db: db, now: func() time.Time { return time.Now().UTC() }}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// IntegrityCheck runs SQLite's integrity check.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	return sqlitedb.IntegrityCheck(ctx, s.db, s.path)
}

// inTx runs fn in one write transaction.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("central db %s: begin: %w", s.path, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("central db %s: commit: %w", s.path, err)
	}
	return nil
}

// readTx runs fn on one consistent snapshot of the database: a deferred
// transaction, which under WAL never waits for a writer. (BeginTx cannot
// give one: the connection's _txlock=immediate makes every BEGIN take the
// write lock, ReadOnly or not, so every page view would queue behind
// captures and allocation passes.)
func (s *Store) readTx(ctx context.Context, fn func(q querier) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("central db %s: %w", s.path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return fmt.Errorf("central db %s: begin: %w", s.path, err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			// Never hand the pool a connection inside a transaction.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn(conn)
}

func timestamp(t time.Time) string { return t.UTC().Format(timestampLayout) }

// timestampLayout is how times are stored: UTC, fixed width, so they sort
// as text.
const timestampLayout = "2006-01-02T15:04:05.000000000Z"

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
