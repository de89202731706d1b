package sqlitedb

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func migrations(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys["m/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

func userVersion(t *testing.T, path string, fsys fstest.MapFS) int {
	t.Helper()
	db, err := Open("test db", path, fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrationsRunOnceInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	one := map[string]string{"0001_init.sql": "CREATE TABLE t (x INTEGER NOT NULL) STRICT; INSERT INTO t VALUES (1);"}
	if v := userVersion(t, path, migrations(one)); v != 1 {
		t.Fatalf("user_version %d, want 1", v)
	}
	two := map[string]string{"0001_init.sql": one["0001_init.sql"], "0002_more.sql": "INSERT INTO t VALUES (2);"}
	if v := userVersion(t, path, migrations(two)); v != 2 {
		t.Fatalf("user_version %d, want 2", v)
	}
	if v := userVersion(t, path, migrations(two)); v != 2 {
		t.Fatalf("user_version %d after reopening, want 2", v)
	}
	db, err := Open("test db", path, migrations(two), "m")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, sum int
	db.QueryRow("SELECT count(*), sum(x) FROM t").Scan(&n, &sum)
	if n != 2 || sum != 3 {
		t.Fatalf("t holds %d rows summing to %d: a migration ran twice or not at all", n, sum)
	}
	if Latest(migrations(two), "m") != 2 {
		t.Fatal("Latest")
	}
}

// TestFailingMigrationLeavesNothingHalfApplied: a migration that fails
// part-way is rolled back whole, with the schema version, and the error
// names the file and the migration.
func TestFailingMigrationLeavesNothingHalfApplied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	good := map[string]string{"0001_init.sql": "CREATE TABLE t (x INTEGER) STRICT;"}
	userVersion(t, path, migrations(good))
	bad := map[string]string{"0001_init.sql": good["0001_init.sql"], "0002_broken.sql": "CREATE TABLE u (y INTEGER) STRICT; INSERT INTO t VALUES (1); INSERT INTO nowhere VALUES (1);"}
	_, err := Open("test db", path, migrations(bad), "m")
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "0002_broken.sql") {
		t.Fatalf("got %v, want an error naming %s and 0002_broken.sql", err, path)
	}
	db, err := Open("test db", path, migrations(good), "m")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v, tables, rows int
	db.QueryRow("PRAGMA user_version").Scan(&v)
	db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'u'").Scan(&tables)
	db.QueryRow("SELECT count(*) FROM t").Scan(&rows)
	if v != 1 || tables != 0 || rows != 0 {
		t.Fatalf("half-applied: user_version %d, table u %d, rows in t %d", v, tables, rows)
	}
}

func TestBadMigrationSetsAreRefused(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"no number":     {"init.sql": "SELECT 1;"},
		"not sql":       {"0001_init.txt": "SELECT 1;"},
		"gap":           {"0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 1;"},
		"starts at two": {"0002_b.sql": "SELECT 1;"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.db")
			_, err := Open("test db", path, migrations(files), "m")
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "migration ") {
				t.Fatalf("got %v, want an error naming %s and the migration", err, path)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a refused open created %s", path)
			}
		})
	}
}

// TestPathsWithURICharacters: '?', '#' and '%' in a folder name are part
// of the file name, not of the SQLite URI.
func TestPathsWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site?a=1#b%20c")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x.db")
	userVersion(t, path, migrations(map[string]string{"0001_init.sql": "CREATE TABLE t (x INTEGER);"}))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %s: %v", path, err)
	}
}
