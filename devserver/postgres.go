package devserver

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"time"

	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	postgresplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/common/resolver"
	pgschema "go.temporal.io/server/schema/postgresql/v12"
	"go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// Defaults of Postgres.
const (
	DefaultPostgresDatabase = "temporal"
	DefaultHistoryShards    = 4
	// DefaultMaxConns keeps the most the four services may open,
	// 4 × (DefaultMaxConns + DefaultVisibilityMaxConns) = 56, well under
	// PostgreSQL's default max_connections of 100, with room for the records'
	// own pool on the same server. The server's development-postgres12.yaml
	// has 20 for a server running alone.
	DefaultMaxConns = 10
	// DefaultVisibilityMaxConns is small, as in the server's
	// development-postgres12.yaml: visibility is written by the history
	// service's visibility queue, off the path of a workflow's progress, and
	// read by List calls and the UI.
	DefaultVisibilityMaxConns = 4
	// visibilitySuffix names the visibility database after the main one, as
	// temporal and temporal_visibility.
	visibilitySuffix = "_visibility"
)

// Postgres makes the server persist on PostgreSQL, with the server's postgres12
// plugin, instead of SQLite. Start creates the two databases if they are missing
// and brings their schemas to the version this server needs with the server's
// own schema tool (what `temporal-sql-tool create`, `setup-schema -v 0.0` and
// `update-schema` do), from the schema files embedded in the server module.
type Postgres struct {
	// URL is a postgres:// URL of the server, as a user who may create
	// databases. Its database (default "postgres") is the one connected to for
	// creating and dropping Temporal's; its query parameters (sslmode, ...) are
	// passed on to every connection.
	URL string
	// Database names Temporal's main database; the visibility database is
	// Database + "_visibility". Lower-case letters, digits and underscores;
	// default "temporal".
	Database string
	// HistoryShards is the number of history shards, default DefaultHistoryShards.
	// It is written into the database on first start and cannot change after.
	HistoryShards int
	// MaxConns and MaxIdleConns size the main store's connection pools (default
	// DefaultMaxConns, and MaxIdleConns = MaxConns), VisibilityMaxConns the
	// visibility store's (default DefaultVisibilityMaxConns). Each of the four
	// services in the process opens a pool of its own on each store, so the
	// server may hold up to 4 × (MaxConns + VisibilityMaxConns) connections:
	// keep that under the PostgreSQL server's max_connections.
	MaxConns           int
	MaxIdleConns       int
	VisibilityMaxConns int
	// DropOnStop drops both databases when the server stops: for bench runs and
	// tests, which keep nothing.
	DropOnStop bool
}

func (p Postgres) withDefaults() Postgres {
	if p.Database == "" {
		p.Database = DefaultPostgresDatabase
	}
	if p.HistoryShards == 0 {
		p.HistoryShards = DefaultHistoryShards
	}
	if p.MaxConns == 0 {
		p.MaxConns = DefaultMaxConns
	}
	if p.MaxIdleConns == 0 {
		p.MaxIdleConns = p.MaxConns
	}
	if p.VisibilityMaxConns == 0 {
		p.VisibilityMaxConns = DefaultVisibilityMaxConns
	}
	return p
}

// databaseName is what CREATE and DROP DATABASE may take unquoted: the plugin
// splices the name into those statements, quoted in one and not the other.
var databaseName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// postgresStore is a parsed Postgres: the server's connection settings for both
// databases and for the maintenance database.
type postgresStore struct {
	opts                 Postgres
	main, visibility     *config.SQL
	maintenance          *config.SQL
	mainDB, visibilityDB string
}

func newPostgresStore(p Postgres) (*postgresStore, error) {
	p = p.withDefaults()
	if p.HistoryShards < 1 || p.MaxConns < 1 || p.MaxIdleConns < 1 || p.VisibilityMaxConns < 1 {
		return nil, errors.New("devserver: PostgreSQL history shards and pool sizes must be positive")
	}
	// PostgreSQL truncates names at 63 bytes; the visibility name is longer.
	if !databaseName.MatchString(p.Database) || len(p.Database)+len(visibilitySuffix) > 63 {
		return nil, fmt.Errorf("devserver: PostgreSQL database name %q: want lower-case letters, digits and underscores, at most %d of them",
			p.Database, 63-len(visibilitySuffix))
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		// The URL may hold a password: never echo it.
		return nil, errors.New("devserver: PostgreSQL URL: want postgres://user[:password]@host[:port][/database][?params]")
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "5432")
	}
	attrs := map[string]string{}
	for k, v := range u.Query() {
		attrs[k] = v[len(v)-1]
	}
	password, _ := u.User.Password()
	base := config.SQL{
		PluginName:        postgresplugin.PluginName,
		ConnectAddr:       addr,
		ConnectProtocol:   "tcp",
		User:              u.User.Username(),
		Password:          password,
		ConnectAttributes: attrs,
		MaxConnLifetime:   time.Hour,
	}
	s := &postgresStore{opts: p, mainDB: p.Database, visibilityDB: p.Database + visibilitySuffix}
	withDB := func(name string, conns, idle int) *config.SQL {
		c := base
		c.DatabaseName = name
		c.MaxConns, c.MaxIdleConns = conns, idle
		c.ConnectAttributes = map[string]string{}
		for k, v := range attrs {
			c.ConnectAttributes[k] = v
		}
		return &c
	}
	maintenance := u.Path
	if len(maintenance) > 0 && maintenance[0] == '/' {
		maintenance = maintenance[1:]
	}
	if maintenance == "" {
		maintenance = "postgres"
	}
	s.main = withDB(s.mainDB, p.MaxConns, p.MaxIdleConns)
	s.visibility = withDB(s.visibilityDB, p.VisibilityMaxConns, p.VisibilityMaxConns)
	s.maintenance = withDB(maintenance, 1, 1)
	return s, nil
}

// setUp creates both databases if missing and brings their schemas to the
// versions this server needs, as docker-compose.yml's temporal-schema service
// does with temporal-sql-tool: create, setup-schema -v 0.0, update-schema.
func (s *postgresStore) setUp(logger log.Logger) error {
	for _, db := range []struct {
		cfg     *config.SQL
		schema  string
		version string
	}{
		{s.main, "postgresql/v12/temporal", pgschema.Version},
		{s.visibility, "postgresql/v12/visibility", pgschema.VisibilityVersion},
	} {
		create := *s.maintenance
		create.DatabaseName = db.cfg.DatabaseName
		// DoCreateDatabase connects to its second argument and skips a database
		// that exists.
		if err := sqltool.DoCreateDatabase(&create, s.maintenance.DatabaseName, logger); err != nil {
			return fmt.Errorf("devserver: create database %s: %w", db.cfg.DatabaseName, err)
		}
		if err := migrate(db.cfg, db.schema, db.version, logger); err != nil {
			return fmt.Errorf("devserver: schema of %s: %w", db.cfg.DatabaseName, err)
		}
	}
	return nil
}

func migrate(cfg *config.SQL, schemaName, version string, logger log.Logger) error {
	setup := *cfg
	setup.MaxConns, setup.MaxIdleConns = 1, 1
	conn, err := sqltool.NewConnection(&setup, logger)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Version tables only, at 0.0; a database already past it is left alone.
	if err := schema.NewSetupSchemaTask(conn, &schema.SetupConfig{InitialVersion: "0.0"}, logger).Run(); err != nil {
		return err
	}
	// Every versioned step from the database's version up to this server's.
	return schema.NewUpdateSchemaTask(conn, &schema.UpdateConfig{
		DBName: cfg.DatabaseName, SchemaName: schemaName, TargetVersion: version,
	}, logger).Run()
}

// drop drops both databases, closing whatever connections to them are left:
// the server's pools do not all close on Stop.
func (s *postgresStore) drop(logger log.Logger) error {
	db, err := sql.NewSQLAdminDB(sqlplugin.DbKindUnknown, s.maintenance, resolver.NewNoopResolver(), logger, metrics.NoopMetricsHandler)
	if err != nil {
		return fmt.Errorf("devserver: drop databases: %w", err)
	}
	defer func() { _ = db.Close() }()
	forceDrop, ok := db.(interface{ ForceDropDatabase(string) error })
	if !ok {
		return errors.New("devserver: drop databases: the postgres12 plugin cannot force a drop")
	}
	var errs []error
	for _, name := range []string{s.visibilityDB, s.mainDB} {
		if err := forceDrop.ForceDropDatabase(name); err != nil {
			errs = append(errs, fmt.Errorf("devserver: drop database %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// describe says where the server persists, for people reading a report; no
// password.
func (s *postgresStore) describe() string {
	shards := fmt.Sprintf("%d history shards", s.opts.HistoryShards)
	if s.opts.HistoryShards == 1 {
		shards = "1 history shard"
	}
	return fmt.Sprintf("PostgreSQL at %s, databases %s and %s, %s, pools of %d connections (visibility %d) per service",
		s.main.ConnectAddr, s.mainDB, s.visibilityDB, shards, s.opts.MaxConns, s.opts.VisibilityMaxConns)
}

// persistence is the server's store configuration: the main database for
// everything but visibility.
func (s *postgresStore) persistence() config.Persistence {
	const mainStore, visibilityStore = "postgres-default", "postgres-visibility"
	return config.Persistence{
		DefaultStore:     mainStore,
		VisibilityStore:  visibilityStore,
		NumHistoryShards: int32(s.opts.HistoryShards),
		DataStores: map[string]config.DataStore{
			mainStore:       {SQL: s.main},
			visibilityStore: {SQL: s.visibility},
		},
	}
}
