package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem/devserver"
)

// TemporalOptions says where the embedded Temporal server of the levels and the
// sustained run persists.
type TemporalOptions struct {
	// PostgresURL puts it on PostgreSQL, as a user who may create databases: in
	// two databases of its own made for the run (schema by the server's schema
	// tool) and dropped afterwards. Empty means SQLite in memory with one history
	// shard and one connection, as `tandem dev` runs it but without the file.
	PostgresURL string
	// Shards is the number of history shards on PostgreSQL (default
	// devserver.DefaultHistoryShards).
	Shards int
	// MaxConns sizes each service's pool on the main store on PostgreSQL
	// (default devserver.DefaultMaxConns).
	MaxConns int
}

// Temporal is where the embedded Temporal server of a run's levels and
// sustained run persisted: every number of those parts comes from it.
type Temporal struct {
	// Persistence is "sqlite" or "postgresql".
	Persistence   string `json:"persistence"`
	HistoryShards int    `json:"history_shards"`
	// MaxConns is each service's pool on the main store: 1 on SQLite.
	MaxConns int `json:"max_conns"`
	// Server is the PostgreSQL server's version, Database the main database
	// made for the run (its visibility database is Database + "_visibility").
	Server   string `json:"server,omitempty"`
	Database string `json:"database,omitempty"`
	// Detail is the embedded server's own account of its store.
	Detail string `json:"detail"`
	// PeakConnections is the most connections to its two databases seen,
	// sampled every second while the stack ran.
	PeakConnections int `json:"peak_connections,omitempty"`
}

// devserverPostgres is the devserver setting for opts: nil for SQLite.
func devserverPostgres(opts TemporalOptions) (*devserver.Postgres, error) {
	if opts.PostgresURL == "" {
		return nil, nil
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &devserver.Postgres{
		URL: opts.PostgresURL,
		// Unique per run, so runs never meet each other's data or anyone else's.
		Database:      "tandem_bench_" + hex.EncodeToString(b) + "_temporal",
		HistoryShards: opts.Shards,
		MaxConns:      opts.MaxConns,
		DropOnStop:    true,
	}, nil
}

// describeTemporal fills in a Temporal for a server started with pg (nil for
// SQLite).
func describeTemporal(s *devserver.Server, pg *devserver.Postgres) *Temporal {
	t := &Temporal{Persistence: "sqlite", HistoryShards: 1, MaxConns: 1, Detail: s.Persistence()}
	if pg != nil {
		t.Persistence = "postgresql"
		t.Database = pg.Database
		t.HistoryShards = orDefault(pg.HistoryShards, devserver.DefaultHistoryShards)
		t.MaxConns = orDefault(pg.MaxConns, devserver.DefaultMaxConns)
	}
	return t
}

// orDefault is v, or def when v is zero.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// watchConnections reads the PostgreSQL server's version into t and samples the
// connections to db and its visibility database every second, keeping the most
// in t.PeakConnections, until the returned func is called.
func watchConnections(ctx context.Context, url, db string, t *Temporal, progress io.Writer) (stop func(), err error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect to the Temporal PostgreSQL: %w", err)
	}
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&t.Server); err != nil {
		_ = conn.Close(context.Background())
		return nil, err
	}
	const count = "SELECT count(*) FROM pg_stat_activity WHERE datname IN ($1::text, $1::text || '_visibility')"
	sample := func() {
		var n int
		if conn.QueryRow(ctx, count, db).Scan(&n) == nil {
			t.PeakConnections = max(t.PeakConnections, n)
		}
	}
	// Closing done ends the sampling between queries: a query cancelled
	// halfway would take the connection with it.
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		sample() // once more at the end, for a run shorter than a second
		_ = conn.Close(context.Background())
		fmt.Fprintf(progress, "  Temporal on PostgreSQL %s: at most %d connections seen to its databases\n", t.Server, t.PeakConnections)
	}, nil
}
