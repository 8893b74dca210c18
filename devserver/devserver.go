package devserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/searchattribute/sadefs"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// DBFile is the name of the server's SQLite file inside Options.DataDir.
const DBFile = "temporal.db"

const (
	clusterName = "active"
	storeName   = "sqlite"
	// uiReadyTimeout bounds the wait for the UI's listener; it binds within
	// milliseconds, so running out means it failed.
	uiReadyTimeout = 10 * time.Second
)

// Options configures Start. The zero value runs an in-memory server on 127.0.0.1
// with free ports, the "default" namespace and a UI without write actions.
type Options struct {
	// DataDir holds the server's SQLite file, <DataDir>/temporal.db. Empty keeps
	// everything in memory (tests), until the process exits.
	DataDir string
	// IP is the address the frontend and the UI listen on; default "127.0.0.1".
	IP string
	// FrontendPort is the gRPC port; 0 picks a free port.
	FrontendPort int
	// UIPort is the Web UI's port; 0 picks a free port, -1 runs no UI.
	UIPort int
	// Namespace is created at start if missing; default "default".
	Namespace string
	// SearchAttributes are registered on the namespace at start, idempotently
	// (pass workflows.SearchAttributes). Start fails if one of them was
	// registered earlier with another type.
	SearchAttributes map[string]enumspb.IndexedValueType
	// UIWriteActions enables the UI's write actions (signal, update, terminate,
	// reset, start, ...). Off by default: changes go through Tandem's API, which
	// checks who may make them.
	UIWriteActions bool
	// CodecEndpoint, when set, is the remote codec the UI decodes payloads
	// through (Tandem's API, which checks who may read each run). The browser
	// calls it with its cookies, so a person signed in to the board sees what
	// they may see.
	CodecEndpoint string
	// CodecSignIn is where the UI's banner for payloads it could not decode
	// links to: the board's sign-in page. Empty leaves the UI's own link, to
	// Temporal's documentation on codec servers.
	CodecSignIn string
	// Logger receives Temporal's own logs at warn level and above; nil discards
	// them.
	Logger *slog.Logger
	// Postgres, when set, makes the server persist on PostgreSQL instead of
	// SQLite (DataDir must then be empty). `tandem dev` never sets it; the bench
	// does, to measure Temporal on a store with several history shards and a
	// connection pool.
	Postgres *Postgres
}

// Server is a running embedded Temporal server, with its Web UI unless disabled.
type Server struct {
	temporal  temporal.Server
	conn      *grpc.ClientConn
	ui        *uiserver.Server
	uiDone    chan struct{}
	log       slogLogger
	frontend  string
	uiURL     string
	namespace string
	// persistence says where the server persists; postgres is set when that is
	// PostgreSQL.
	persistence string
	postgres    *postgresStore

	stopOnce sync.Once
	stopErr  error
}

// Start starts the server and returns once the frontend answers, the namespace
// carries opts.SearchAttributes and the UI (if any) is listening. ctx bounds the
// waits for those; call Stop to shut the server down.
func Start(ctx context.Context, opts Options) (_ *Server, err error) {
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	ip := net.ParseIP(opts.IP)
	if ip == nil {
		return nil, fmt.Errorf("devserver: invalid IP %q", opts.IP)
	}
	if opts.FrontendPort < 0 || opts.UIPort < -1 {
		return nil, errors.New("devserver: ports must be positive, or 0 for a free one (UI: -1 for none)")
	}
	// The namespace is written straight into the database, past the checks the
	// operator API would make.
	for name := range opts.SearchAttributes {
		if sadefs.IsReserved(name) {
			return nil, fmt.Errorf("devserver: search attribute %s is reserved by Temporal", name)
		}
	}
	// Clients reach a wildcard listener through loopback.
	dialHost := opts.IP
	if ip.IsUnspecified() {
		dialHost = "127.0.0.1"
	}

	if opts.Postgres != nil && opts.DataDir != "" {
		return nil, errors.New("devserver: a data directory is for SQLite; PostgreSQL keeps the data itself")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{log: newLogger(opts.Logger), namespace: opts.Namespace}
	// A failed start undoes what it did: stops what started, and drops the
	// PostgreSQL databases it was asked to drop.
	defer func() {
		if err != nil {
			err = errors.Join(err, s.Stop())
		}
	}()

	ports, err := allocatePorts(opts)
	if err != nil {
		return nil, err
	}
	s.frontend = net.JoinHostPort(dialHost, strconv.Itoa(ports.frontend))
	var persistence config.Persistence
	if opts.Postgres != nil {
		if s.postgres, err = newPostgresStore(*opts.Postgres); err != nil {
			return nil, err
		}
		if err := s.postgres.setUp(s.log); err != nil {
			return nil, err
		}
		persistence = s.postgres.persistence()
		s.persistence = s.postgres.describe()
	} else {
		sqlCfg, err := sqlConfig(opts.DataDir)
		if err != nil {
			return nil, err
		}
		persistence = sqlitePersistence(sqlCfg)
		s.persistence = "SQLite in memory, 1 history shard, one connection"
		if opts.DataDir != "" {
			s.persistence = "SQLite file " + sqlCfg.DatabaseName + ", 1 history shard, one connection"
		}
	}
	// Creating the namespace in the database before the server starts makes it,
	// and its search attributes, usable the moment Start returns. The SQLite
	// schema package's helper writes through whichever SQL plugin the store
	// names, PostgreSQL's too; both visibility schemas have the same custom
	// search attribute columns.
	nsCfg, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace %s: %w", opts.Namespace, err)
	}
	if err := sqliteschema.CreateNamespaces(persistence.DataStores[persistence.DefaultStore].SQL, nsCfg); err != nil {
		return nil, fmt.Errorf("devserver: create namespace %s: %w", opts.Namespace, err)
	}

	binaryChecksumOnce.Do(setBinaryChecksum)
	s.temporal, err = startTemporal(temporalOptions(opts, ports, s.frontend, persistence, s.log))
	if err != nil {
		return nil, fmt.Errorf("devserver: start Temporal: %w", err)
	}
	s.conn, err = grpc.NewClient(s.frontend, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("devserver: dial frontend: %w", err)
	}
	if err := s.ensureSearchAttributes(ctx, opts.SearchAttributes); err != nil {
		return nil, err
	}
	if ports.ui > 0 {
		if err := s.startUI(ctx, opts, dialHost, ports.ui); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// FrontendHostPort is the gRPC address for SDK clients and workers.
func (s *Server) FrontendHostPort() string { return s.frontend }

// ConnectionOptions are the SDK connection options for clients of this server,
// which runs in the same process: no gzip. The SDK compresses every request by
// default, and the server answers in kind; over loopback that costs CPU (about 4 %
// of a loaded `tandem bench` run) and saves nothing.
func (s *Server) ConnectionOptions() client.ConnectionOptions {
	return client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}
}

// UIURL is the Web UI's base URL, or "" when the server runs without a UI.
func (s *Server) UIURL() string { return s.uiURL }

// Namespace is the namespace created at start.
func (s *Server) Namespace() string { return s.namespace }

// Persistence says where the server persists and with how many history shards,
// for reports: "SQLite in memory, 1 history shard, one connection", or the
// PostgreSQL address, databases, shards and pool size (never a password).
func (s *Server) Persistence() string { return s.persistence }

// Stop shuts the UI and the server down; it takes about a second, the frontend's
// minimum drain time. It is safe to call more than once. The SQLite file stays
// open until the process exits: Temporal's plugin never closes its connections.
// On PostgreSQL with DropOnStop, Stop then drops both databases.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		// While stopping, the services report one another's going away, and
		// goroutines Temporal leaves behind keep dialing the closed ports.
		s.log.muted.Store(true)
		if s.ui != nil {
			s.ui.Stop()
			<-s.uiDone
		}
		var errs []error
		if s.conn != nil {
			errs = append(errs, s.conn.Close())
		}
		if s.temporal != nil {
			errs = append(errs, s.temporal.Stop())
		}
		if s.postgres != nil && s.postgres.opts.DropOnStop {
			errs = append(errs, s.postgres.drop(s.log))
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

type ports struct {
	frontend, history, matching, worker, ui int
}

// allocatePorts checks the requested ports are free and picks the others. All
// listeners stay open until every port is chosen, so no port is handed out twice;
// Temporal and the UI bind them again a moment later.
func allocatePorts(opts Options) (ports, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	reserve := func(what, host string, port int) (int, error) {
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return 0, fmt.Errorf("devserver: %s port: %w", what, err)
		}
		listeners = append(listeners, l)
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	var p ports
	var err error
	if p.frontend, err = reserve("frontend", opts.IP, opts.FrontendPort); err != nil {
		return p, err
	}
	// The internal services only talk to each other, so they stay on loopback.
	for _, svc := range []struct {
		name string
		port *int
	}{{"history", &p.history}, {"matching", &p.matching}, {"worker", &p.worker}} {
		if *svc.port, err = reserve(svc.name, "127.0.0.1", 0); err != nil {
			return p, err
		}
	}
	if opts.UIPort >= 0 {
		if p.ui, err = reserve("UI", opts.IP, opts.UIPort); err != nil {
			return p, err
		}
	}
	return p, nil
}

var memoryDBs atomic.Int64

// sqlConfig returns the SQLite store for dataDir, creating the file and its schema
// on first use.
func sqlConfig(dataDir string) (*config.SQL, error) {
	if dataDir == "" {
		// The plugin sets up the schema itself for in-memory databases. The name
		// must be unique: the plugin pools connections by DSN for the process's
		// lifetime, so a reused name would hand a new server an old one's data.
		return &config.SQL{
			PluginName:        sqliteplugin.PluginName,
			DatabaseName:      fmt.Sprintf("tandem-devserver-%d", memoryDBs.Add(1)),
			ConnectAttributes: map[string]string{"mode": "memory", "cache": "shared"},
		}, nil
	}
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("devserver: data dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("devserver: data dir: %w", err)
	}
	path := filepath.Join(dir, DBFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := createDB(path); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: path,
		// WAL with synchronous=normal keeps every committed write across a crash
		// or SIGKILL of the process (only a power cut can lose the last ones),
		// and spares the fsync per commit that the default journal costs.
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "normal",
		},
	}, nil
}

// createDB builds the schema in a scratch file and renames it into place, so a
// start killed halfway never leaves a temporal.db with a partial schema that later
// starts would take as ready.
func createDB(path string) error {
	leftovers, err := filepath.Glob(path + ".init-*")
	if err != nil {
		return fmt.Errorf("devserver: %w", err)
	}
	for _, f := range leftovers {
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("devserver: remove leftover %s: %w", f, err)
		}
	}
	// A fresh name each time: the plugin keeps a connection per file name for
	// the process's lifetime, and a reused one would point at the renamed file.
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".init-*")
	if err != nil {
		return fmt.Errorf("devserver: %w", err)
	}
	scratch := f.Name()
	if err := f.Close(); err != nil {
		return fmt.Errorf("devserver: %w", err)
	}
	// No journal and no fsync per statement: a failed setup is thrown away
	// anyway, and this takes the setup from about 300 ms to 30 ms. (A WAL
	// journal would also sit in a side file that the rename leaves behind.) One
	// fsync before the rename makes the schema durable.
	setup := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: scratch,
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "off",
			"synchronous":  "off",
		},
	}
	if err := sqliteschema.SetupSchema(setup); err != nil {
		return fmt.Errorf("devserver: set up SQLite schema: %w", err)
	}
	if err := syncFile(scratch); err != nil {
		return err
	}
	if err := os.Rename(scratch, path); err != nil {
		return fmt.Errorf("devserver: %w", err)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("devserver: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("devserver: sync %s: %w", path, err)
	}
	return nil
}

// sqlitePersistence is the SQLite store: one database for everything.
func sqlitePersistence(sqlCfg *config.SQL) config.Persistence {
	return config.Persistence{
		DefaultStore:    storeName,
		VisibilityStore: storeName,
		// One shard is plenty for a laptop and keeps start-up and memory low.
		// It is written into the database on first start and cannot change.
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{storeName: {SQL: sqlCfg}},
	}
}

func temporalOptions(opts Options, p ports, frontend string, persistence config.Persistence, logger log.Logger) []temporal.ServerOption {
	rpc := func(ip string, port int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: ip}}
	}
	local := func(port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
	cfg := &config.Config{
		Persistence: persistence,
		ClusterMetadata: &cluster.Config{
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			string(primitives.FrontendService): rpc(opts.IP, p.frontend),
			string(primitives.HistoryService):  rpc("127.0.0.1", p.history),
			string(primitives.MatchingService): rpc("127.0.0.1", p.matching),
			string(primitives.WorkerService):   rpc("127.0.0.1", p.worker),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{
			Archival: config.ArchivalNamespaceDefaults{
				History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
				Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
			},
		},
		// The worker service's own SDK client dials this.
		PublicClient: config.PublicClient{HostPort: frontend},
	}
	return []temporal.ServerOption{
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		// Static hosts instead of ringpop: all services live in this process, and
		// skipping the membership join saves start time and goroutines.
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: static.SingleLocalHost(frontend),
			primitives.HistoryService:  local(p.history),
			primitives.MatchingService: local(p.matching),
			primitives.WorkerService:   local(p.worker),
		}),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorization.NewNoopAuthorizer()),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper {
			return authorization.NewNoopClaimMapper()
		}),
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			// The UI lists and counts workflows on every page; the default of 10
			// per second throttles it.
			dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
			// The default host-level cache holds 128k workflows; a laptop's
			// Tandem has hundreds.
			dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8192,
			// The history task schedulers default to 512 goroutines each, sized
			// for a production host; with them, the idle server runs over 3,000
			// goroutines. A laptop's load needs a handful.
			dynamicconfig.TransferProcessorSchedulerWorkerCount.Key():               16,
			dynamicconfig.TimerProcessorSchedulerWorkerCount.Key():                  16,
			dynamicconfig.VisibilityProcessorSchedulerWorkerCount.Key():             16,
			dynamicconfig.MemoryTimerProcessorSchedulerWorkerCount.Key():            4,
			dynamicconfig.ReplicationProcessorSchedulerWorkerCount.Key():            1,
			dynamicconfig.ReplicationLowPriorityProcessorSchedulerWorkerCount.Key(): 1,
			// Temporal's own workers that a laptop's server barely uses keep
			// long polls open all the time: the scanner (clean-ups on a daily
			// schedule) 8 workflow and 8 activity polls, the parent-close
			// worker 4 and 4. Each poll is a few idle goroutines and buffers
			// across the SDK, gRPC and matching. Two each is the SDK's least
			// for workflow polls.
			dynamicconfig.WorkerScannerMaxConcurrentActivityTaskPollers.Key():     2,
			dynamicconfig.WorkerScannerMaxConcurrentWorkflowTaskPollers.Key():     2,
			dynamicconfig.WorkerParentCloseMaxConcurrentActivityTaskPollers.Key(): 2,
			dynamicconfig.WorkerParentCloseMaxConcurrentWorkflowTaskPollers.Key(): 2,
			// One partition per task queue: partitions spread load across
			// matching hosts, and there is one. Each costs goroutines, and tasks
			// would be forwarded between them.
			dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
			dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
			// The history service reads new transfer tasks (a workflow or
			// activity task to hand to matching, a run's close) at most 20
			// times a second per shard by default, and there is one shard: a
			// new run's first workflow task waited 40 ms for that read on an
			// idle server, so a start, or a create that waits for its first
			// task, took 50 ms. Busy, the reader still takes every pending task
			// in one read: the extra reads cost a few per cent of CPU at most
			// (docs/performance.md).
			dynamicconfig.TransferProcessorMaxPollRPS.Key(): 1000,
		}),
	}
}

var binaryChecksumOnce sync.Once

// setBinaryChecksum spares the SDK hashing the whole executable. Unless a worker
// sets a build ID, the SDK labels the workflow tasks it completes with an MD5 of
// the running binary, computed when the first worker is created: here the
// server's own system workers. For a 200 MB binary that is about 350 ms of CPU,
// more than the rest of the server's start. The label only has to tell builds
// apart, which the executable's name and modification time do. The setting is
// process-wide, so Tandem's worker in the same process uses it too.
func setBinaryChecksum() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return
	}
	sdkworker.SetBinaryChecksum(filepath.Base(exe) + "@" + fi.ModTime().UTC().Format(time.RFC3339Nano))
}

// startTemporal turns the panics our logger raises on Temporal's fatal errors (a
// port taken between allocation and bind, say) into an error for the caller.
func startTemporal(opts []temporal.ServerOption) (srv temporal.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	srv, err = temporal.NewServer(opts...)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	return srv, nil
}

// ensureSearchAttributes adds the search attributes a namespace created by an
// earlier start lacks (CreateNamespaces leaves an existing namespace as it is).
// It is also the readiness check: it goes through the frontend to the database.
func (s *Server) ensureSearchAttributes(ctx context.Context, want map[string]enumspb.IndexedValueType) error {
	op := operatorservice.NewOperatorServiceClient(s.conn)
	resp, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s.namespace})
	if err != nil {
		return fmt.Errorf("devserver: list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range want {
		have, ok := resp.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case have != typ:
			return fmt.Errorf("devserver: search attribute %s is registered as %s, want %s", name, have, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        s.namespace,
		SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("devserver: add search attributes: %w", err)
	}
	return nil
}

func (s *Server) startUI(ctx context.Context, opts Options, dialHost string, port int) error {
	host := opts.IP
	if strings.Contains(host, ":") {
		// The UI server joins host and port with a plain colon.
		host = "[" + host + "]"
	}
	cfg := &uiconfig.Config{
		TemporalGRPCAddress: s.frontend,
		Host:                host,
		Port:                port,
		EnableUI:            true,
		DefaultNamespace:    s.namespace,
		// Enforced by the UI server too, not only hidden in the browser: it
		// refuses every write request but queries.
		DisableWriteActions: !opts.UIWriteActions,
		// The UI would fetch Temporal's news feed from the internet.
		DisableNewsFetch: true,
		HideLogs:         true,
		// Plain HTTP on localhost: a Secure CSRF cookie would never come back.
		CORS: uiconfig.CORS{CookieInsecure: true},
	}
	if opts.CodecEndpoint != "" {
		cfg.Codec = uiconfig.Codec{
			Endpoint: opts.CodecEndpoint, IncludeCredentials: true,
			DefaultErrorMessage: "Sign in to Tandem's board in this browser to read this run; you see only the processes Tandem lets you read.",
			DefaultErrorLink:    opts.CodecSignIn,
		}
	}
	s.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(cfg))
	s.uiDone = make(chan struct{})
	go func() {
		defer close(s.uiDone)
		// Start blocks while serving and returns nil once Stop closes it. It exits
		// the process if it cannot listen; allocatePorts has just checked it can.
		if err := s.ui.Start(); err != nil {
			s.log.Error("Temporal UI stopped", tag.Error(err))
		}
	}()
	s.uiURL = "http://" + net.JoinHostPort(dialHost, strconv.Itoa(port))
	return waitHealthy(ctx, s.uiURL+"/healthz")
}

func waitHealthy(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, uiReadyTimeout)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("devserver: UI health check: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: UI not ready at %s: %w", url, context.Cause(ctx))
		case <-time.After(5 * time.Millisecond):
		}
	}
}
