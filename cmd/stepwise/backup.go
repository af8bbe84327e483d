package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/stepwise-run/stepwise/store/sqlite"
)

// cmdBackup is `stepwise backup --store sqlite:PATH FILE`: a consistent copy of a SQLite
// store, taken while serve runs.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	storeURL := fs.String("store", "sqlite:stepwise-data/stepwise.db", "the store to copy: sqlite:PATH (for PostgreSQL, use pg_dump: see docs/production.md)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepwise backup [--store sqlite:PATH] FILE\n\nWrites a consistent copy of a SQLite store to FILE (which must not exist), while stepwise serve may be running.")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	path, ok := sqlitePath(*storeURL, stderr)
	if !ok || len(rest) != 1 {
		if ok {
			fs.Usage()
		}
		return 2
	}
	if err := sqlite.Backup(ctx, path, rest[0]); err != nil {
		fmt.Fprintln(stderr, "stepwise backup:", err)
		return 1
	}
	fmt.Fprintf(stdout, "stepwise: backed up %s to %s\n", path, rest[0])
	return 0
}

// cmdRestore is `stepwise restore --store sqlite:PATH [--force] FILE`.
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	storeURL := fs.String("store", "sqlite:stepwise-data/stepwise.db", "the store to restore into: sqlite:PATH")
	force := fs.Bool("force", false, "replace an existing store (stop stepwise serve first)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepwise restore [--store sqlite:PATH] [--force] FILE\n\nPuts a backup made by stepwise backup in place as the store. Executions that were running when the backup was taken go on when serve starts on it.")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	path, ok := sqlitePath(*storeURL, stderr)
	if !ok || len(rest) != 1 {
		if ok {
			fs.Usage()
		}
		return 2
	}
	if err := sqlite.Restore(ctx, rest[0], path, *force); err != nil {
		fmt.Fprintln(stderr, "stepwise restore:", err)
		return 1
	}
	fmt.Fprintf(stdout, "stepwise: restored %s from %s\n", path, rest[0])
	return 0
}

// sqlitePath is the file of a sqlite: store; PostgreSQL is backed up with its own tools.
func sqlitePath(storeURL string, stderr io.Writer) (string, bool) {
	path, ok := strings.CutPrefix(storeURL, "sqlite:")
	if !ok || path == "" {
		fmt.Fprintln(stderr, "stepwise: backup and restore take a sqlite:PATH store; back PostgreSQL up with pg_dump or point-in-time recovery (docs/production.md)")
		return "", false
	}
	return path, true
}
