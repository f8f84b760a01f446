// Package deps builds, once per process and without network I/O, the
// clients and adapters a function's configuration asks for: the HTTP
// handlers (httpapi.NewApp) and the workers (pipeline.NewWorker) share it.
package deps

import (
	"context"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/logging"
	"github.com/zapis/zapis/shared/notifier"
	"github.com/zapis/zapis/shared/objects"
	"github.com/zapis/zapis/shared/queue"
	"github.com/zapis/zapis/shared/store"
	"github.com/zapis/zapis/shared/ticket"
)

// Deps are the built dependencies. A part the configuration leaves out is
// its zero value (nil Notifier, empty Bucket, zero senders): only the
// functions that need a part configure it, and config.LoadAPI makes them.
type Deps struct {
	Store          *store.Store
	Log            *slog.Logger
	Objects        objects.Bucket
	DocumentChecks queue.DocumentChecks
	Confirmations  queue.Confirmations
	Signer         ticket.Signer
	Notifier       *notifier.Notifier
}

// logOutput is where functions log: stdout, which Lambda sends to
// CloudWatch Logs. Tests swap it to read the init line.
var logOutput io.Writer = os.Stdout

// New builds what cfg configures, from one SDK configuration, and logs one
// "init" line naming what it built and how long that took: a cold start's
// own account of its init work (bench/coldstart reports it per function).
func New(ctx context.Context, cfg config.API) (Deps, error) {
	began := time.Now()
	awsCfg, err := awsconf.Load(ctx, cfg.EndpointURL)
	if err != nil {
		return Deps{}, err
	}
	d, built, err := Build(awsCfg, cfg, logging.New(logOutput, cfg.LogLevel))
	if err != nil {
		return Deps{}, err
	}
	d.Log.InfoContext(ctx, "init", slog.Any("built", append([]string{"sdk config"}, built...)),
		slog.Float64("initMs", float64(time.Since(began).Microseconds())/1000))
	return d, nil
}

// Build makes the parts cfg asks for from an SDK configuration already
// loaded, logging to log, and names what it built. The local runner calls
// it with its own configuration and logger; functions go through New.
func Build(awsCfg aws.Config, cfg config.API, log *slog.Logger) (Deps, []string, error) {
	d := Deps{Store: store.New(awsconf.DynamoDB(awsCfg), cfg.TableName), Log: log}
	built := []string{"dynamodb client"}
	if cfg.DocumentsBucket != "" {
		d.Objects = objects.Bucket{Client: awsconf.S3(awsCfg), Name: cfg.DocumentsBucket}
		built = append(built, "s3 client")
	}
	if cfg.DocumentCheckQueueURL != "" || cfg.ConfirmationQueueURL != "" {
		sqsc := awsconf.SQS(awsCfg)
		built = append(built, "sqs client")
		d.DocumentChecks = queue.DocumentChecks{Sender: queue.Sender{Client: sqsc, URL: cfg.DocumentCheckQueueURL}}
		d.Confirmations = queue.Confirmations{Sender: queue.Sender{Client: sqsc, URL: cfg.ConfirmationQueueURL}}
	}
	if len(cfg.TicketKey) > 0 {
		var err error
		if d.Signer, err = ticket.NewSigner(cfg.TicketKey); err != nil {
			return Deps{}, nil, err
		}
		built = append(built, "ticket signer")
	}
	if cfg.NotificationsTopicARN != "" {
		d.Notifier = &notifier.Notifier{Store: d.Store, SNS: awsconf.SNS(awsCfg), TopicARN: cfg.NotificationsTopicARN, Log: d.Log, Now: time.Now}
		built = append(built, "sns client")
	}
	return d, built, nil
}
