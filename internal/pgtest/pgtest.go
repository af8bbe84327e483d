// Package pgtest gives tests a PostgreSQL schema of their own on the test server: the one
// STEPWISE_TEST_POSTGRES names, or the local one CI starts (trust authentication, database
// test). Tests skip, loudly, only when no server answers at all.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// URL is the test server's connection string.
func URL() string {
	if u := os.Getenv("STEPWISE_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

var (
	serverOnce sync.Once
	serverErr  error // connecting failed: skip when unreachable, else fail
	schemaSeq  atomic.Int64
)

// Connect connects to the test database, creating it when the server is there but the
// database is not. It skips t when no server answers.
func Connect(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	serverOnce.Do(func() {
		conn, err := pgx.Connect(ctx, URL())
		if err == nil {
			conn.Close(ctx)
			return
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "3D000" { // invalid_catalog_name
			serverErr = createDatabase(ctx)
			return
		}
		serverErr = err
	})
	if serverErr != nil {
		var pe *pgconn.PgError
		if !errors.As(serverErr, &pe) {
			t.Skip("POSTGRES NOT REACHABLE: " + serverErr.Error() + " (set STEPWISE_TEST_POSTGRES or start a server)")
		}
		t.Fatalf("postgres: %v", serverErr)
	}
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	return conn
}

func createDatabase(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(URL())
	if err != nil {
		return err
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize())
	return err
}

// FreshSchema creates a schema of its own for t, dropped when t ends, and returns the URL of
// the test database with that schema as its search_path.
func FreshSchema(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	conn := Connect(t)
	defer conn.Close(ctx)
	schema := fmt.Sprintf("stepwise_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano(), schemaSeq.Add(1))
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, URL())
		if err != nil {
			t.Errorf("dropping %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("dropping %s: %v", schema, err)
		}
	})
	return WithSearchPath(t, URL(), schema)
}

// WithSearchPath returns dsn with schema as its search_path.
func WithSearchPath(t testing.TB, dsn, schema string) string {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
