package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the store in the file at path to dest, while Stepwise
// may be serving from it: VACUUM INTO reads one snapshot (WAL lets the writer go on
// meanwhile) and writes a compact, self-contained database with no WAL of its own. The copy
// is then checked with SQLite's integrity check. dest must not exist.
func Backup(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s already exists: a backup does not overwrite a file", dest)
	}
	absDest, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	// Not query_only: SQLite counts VACUUM INTO as a write, though it leaves the source alone.
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(abs)+fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeoutMS))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", absDest); err != nil {
		os.Remove(absDest)
		return fmt.Errorf("backup of %s: %w", abs, err)
	}
	if err := check(ctx, absDest); err != nil {
		os.Remove(absDest)
		return err
	}
	return nil
}

// Restore puts a backup in place as the store at path. The backup is checked first; an
// existing store is replaced only with force (its WAL and shared-memory files go with it),
// and no Stepwise may be serving from it then: stop serve first. The restored store is
// migrated by the next Open, so a backup taken by an older Stepwise restores into a newer one.
func Restore(ctx context.Context, backup, path string, force bool) error {
	if err := check(ctx, backup); err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("%s exists: stop Stepwise and restore with --force to replace it", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".restoring"
	if err := copyFile(backup, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return err
		}
	}
	return os.Rename(tmp, path)
}

// check runs SQLite's integrity check on the database in a file.
func check(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(abs)+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("%s is not a Stepwise SQLite store: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("%s fails SQLite's integrity check: %s", path, res)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'executions'").Scan(&n); err != nil || n == 0 {
		return fmt.Errorf("%s is not a Stepwise SQLite store (no executions table)", path)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
