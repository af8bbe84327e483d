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
	return sqliteFileCommand(args, stderr, "backup",
		"usage: stepwise backup [--store sqlite:PATH] FILE\n\nWrites a consistent copy of a SQLite store to FILE (which must not exist), while stepwise serve may be running.",
		"the store to copy: sqlite:PATH (for PostgreSQL, use pg_dump: see docs/production.md)", nil,
		func(path, file string, _ bool) error {
			if err := sqlite.Backup(ctx, path, file); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "stepwise: backed up %s to %s\n", path, file)
			return nil
		})
}

// cmdRestore is `stepwise restore --store sqlite:PATH [--force] FILE`.
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return sqliteFileCommand(args, stderr, "restore",
		"usage: stepwise restore [--store sqlite:PATH] [--force] FILE\n\nPuts a backup made by stepwise backup in place as the store. Executions that were running when the backup was taken go on when serve starts on it.",
		"the store to restore into: sqlite:PATH", ptr("replace an existing store (stop stepwise serve first)"),
		func(path, file string, force bool) error {
			if err := sqlite.Restore(ctx, file, path, force); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "stepwise: restored %s from %s\n", path, file)
			return nil
		})
}

func ptr[T any](v T) *T { return &v }

// sqliteFileCommand parses the flags and the one FILE of backup and restore (--store, and
// --force when forceHelp is given) and runs do with the store's path.
func sqliteFileCommand(args []string, stderr io.Writer, name, usage, storeHelp string, forceHelp *string,
	do func(path, file string, force bool) error) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	storeURL := fs.String("store", "sqlite:stepwise-data/stepwise.db", storeHelp)
	force := new(bool)
	if forceHelp != nil {
		force = fs.Bool("force", false, *forceHelp)
	}
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	path, ok := strings.CutPrefix(*storeURL, "sqlite:")
	if !ok || path == "" {
		fmt.Fprintln(stderr, "stepwise: backup and restore take a sqlite:PATH store; back PostgreSQL up with pg_dump or point-in-time recovery (docs/production.md)")
		return 2
	}
	if len(rest) != 1 {
		fs.Usage()
		return 2
	}
	if err := do(path, rest[0], *force); err != nil {
		fmt.Fprintf(stderr, "stepwise %s: %v\n", name, err)
		return 1
	}
	return 0
}
