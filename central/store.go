package central

import (
	"context"
	"database/sql"
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

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
