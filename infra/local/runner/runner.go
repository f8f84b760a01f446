// Package runner is the local stand-in for API Gateway, Lambda, SQS event
// source mappings and EventBridge: it serves the routes of template.yaml with
// the same handlers the functions run, on embedded emulators or on any
// endpoint given by AWS_ENDPOINT_URL (LocalStack, moto_server).
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/zapis/zapis/infra/emulators"
	"github.com/zapis/zapis/infra/local/invoke"
	"github.com/zapis/zapis/infra/provision"
	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/deps"
	"github.com/zapis/zapis/shared/httpapi"
	"github.com/zapis/zapis/shared/logging"
	"github.com/zapis/zapis/shared/pipeline"
)

// Config says how to run.
type Config struct {
	Addr         string // listen address, "127.0.0.1:3000"
	TemplatePath string // "template.yaml"
	// EndpointURL, when set, is an AWS-compatible endpoint to use instead of
	// the embedded emulators.
	EndpointURL string
	Seed        bool          // load the demo catalog
	SeedDays    int           // days of slots to generate, 14 by default
	DevKey      string        // ZAPIS_DEV_KEY; random when empty
	Timeout     time.Duration // per invocation, like a function timeout
	// Tick runs the schedules of template.yaml on their rate (make run);
	// tests leave it off and run them with /_local/schedules/{name}/run.
	Tick bool
	// NoWorkers leaves the queues unpolled, for tests that drive the
	// workers themselves.
	NoWorkers bool
	// AWS, when set, adjusts the SDK configuration every client is built
	// from (benchmarks add a middleware that counts requests and items).
	AWS func(*aws.Config)
	Now func() time.Time
	Log *slog.Logger
}

// Runner is a running local stack.
type Runner struct {
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	timeout   time.Duration
	key       devKey
	edge      *emulators.Edge
	res       *provision.Provisioned
	app       *httpapi.App
	endpoint  string
	routes    []route
	listener  net.Listener
	server    *http.Server
	ready     atomic.Bool
	seedStats SeedStats
	sqs       *sqs.Client
	worker    *pipeline.Worker
	pollers   []*invoke.Poller
	scheduler *invoke.Scheduler
	stop      context.CancelFunc
}

// Start brings the stack up and serves until Close.
func Start(ctx context.Context, cfg Config) (*Runner, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = logging.New(os.Stdout, slog.LevelInfo)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.SeedDays == 0 {
		cfg.SeedDays = 14
	}
	if cfg.TemplatePath == "" {
		cfg.TemplatePath = "template.yaml"
	}
	key, err := newDevKey(cfg.DevKey)
	if err != nil {
		return nil, err
	}
	rn := &Runner{cfg: cfg, log: cfg.Log, now: cfg.Now, timeout: cfg.Timeout, key: key}
	if err := rn.start(ctx); err != nil {
		rn.Close()
		return nil, err
	}
	return rn, nil
}

func (rn *Runner) start(ctx context.Context) error {
	tpl, err := template.Load(rn.cfg.TemplatePath)
	if err != nil {
		return fmt.Errorf("read template: %w", err)
	}
	resources, err := tpl.Resources(template.LocalNames)
	if err != nil {
		return fmt.Errorf("template resources: %w", err)
	}

	endpoint := rn.cfg.EndpointURL
	if endpoint == "" {
		rn.edge, err = emulators.Start("")
		if err != nil {
			return fmt.Errorf("start embedded emulators: %w", err)
		}
		endpoint = rn.edge.URL()
	}
	rn.endpoint = endpoint
	awsCfg, err := awsconf.Load(ctx, endpoint)
	if err != nil {
		return err
	}
	if rn.cfg.AWS != nil {
		rn.cfg.AWS(&awsCfg)
	}
	rn.res, err = provision.Apply(ctx, awsCfg, resources)
	if err != nil {
		return fmt.Errorf("create resources at %s: %w", endpoint, err)
	}
	table, ok := rn.res.TableNames["DataTable"]
	if !ok {
		return errors.New("template has no DataTable")
	}
	bucket, ok := rn.res.Buckets["DocumentsBucket"]
	if !ok {
		return errors.New("template has no DocumentsBucket")
	}
	topic, ok := rn.res.TopicARNs["NotificationsTopic"]
	if !ok {
		return errors.New("template has no NotificationsTopic")
	}
	// The same parts a deployed function builds (shared/deps), configured
	// with everything, logging to the runner's logger.
	d, _, err := deps.Build(awsCfg, config.API{
		TableName: table, DocumentsBucket: bucket, TicketKey: ticketKey(rn.key), NotificationsTopicARN: topic,
		DocumentCheckQueueURL: rn.res.QueueURLs["DocumentCheckQueue"], ConfirmationQueueURL: rn.res.QueueURLs["ConfirmationQueue"],
	}, rn.log)
	if err != nil {
		return err
	}
	rn.sqs = d.Confirmations.Client
	d.Notifier.Now = rn.now
	rn.app, rn.worker = httpapi.AppFrom(d), pipeline.WorkerFrom(d)
	rn.app.Now, rn.worker.Now = rn.now, rn.now
	rn.routes, err = bindRoutes(tpl.Functions(), rn.app, Handlers)
	if err != nil {
		return err
	}
	if err := rn.bindWorkers(tpl.Functions(), rn.worker); err != nil {
		return err
	}
	if rn.cfg.Seed {
		rn.seedStats, err = Seed(ctx, rn.app.Store, rn.now(), rn.cfg.SeedDays)
		if err != nil {
			return fmt.Errorf("seed demo catalog: %w", err)
		}
	}

	addr := rn.cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:3000"
	}
	rn.listener, err = net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	rn.server = &http.Server{Handler: rn.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := rn.server.Serve(rn.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			rn.log.Error("serve", "error", err.Error())
		}
	}()
	// Workers and schedules run on their own context: they stop at Close,
	// not when the caller's start-up context ends.
	bg, stop := context.WithCancel(context.Background())
	rn.stop = stop
	if !rn.cfg.NoWorkers {
		for _, p := range rn.pollers {
			p.Start(bg)
		}
	}
	if rn.cfg.Tick {
		rn.scheduler.Start(bg)
	}
	rn.ready.Store(true)
	rn.log.Info("zapis local stack is up", "url", rn.URL(), "endpoint", endpoint, "embedded", rn.edge != nil,
		"routes", len(rn.routes), "services", rn.seedStats.Services, "institutions", rn.seedStats.Institutions, "slots", rn.seedStats.Slots)
	return nil
}

// Handler is the runner's whole HTTP surface: /_local/* and the API.
func (rn *Runner) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_local/") {
			rn.serveLocal(w, r)
			return
		}
		rn.serveAPI(w, r)
	})
}

// URL is the runner's base URL.
func (rn *Runner) URL() string { return "http://" + rn.listener.Addr().String() }

// App exposes the handlers' dependencies to tests.
func (rn *Runner) App() *httpapi.App { return rn.app }

// Endpoint is the AWS endpoint the stack uses (the embedded edge or
// AWS_ENDPOINT_URL).
func (rn *Runner) Endpoint() string { return rn.endpoint }

// Resources returns the names of the provisioned resources.
func (rn *Runner) Resources() *provision.Provisioned { return rn.res }

// Worker exposes the workers' dependencies to tests.
func (rn *Runner) Worker() *pipeline.Worker { return rn.worker }

// Pollers returns the queue pollers, for tests that drive them.
func (rn *Runner) Pollers() []*invoke.Poller { return rn.pollers }

// RunSchedule runs scheduled function name (remind-24h, expire-pending…) as
// EventBridge would at instant at.
func (rn *Runner) RunSchedule(ctx context.Context, name string, at time.Time) (any, error) {
	return rn.scheduler.Run(ctx, name, at)
}

// Close stops serving, the workers and the schedules, and shuts the
// embedded emulators down.
func (rn *Runner) Close() {
	rn.ready.Store(false)
	if rn.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = rn.server.Shutdown(ctx)
		cancel()
	}
	if rn.stop != nil {
		rn.stop()
	}
	for _, p := range rn.pollers {
		p.Close()
	}
	if rn.scheduler != nil {
		rn.scheduler.Close()
	}
	if rn.edge != nil {
		_ = rn.edge.Close()
	}
}
