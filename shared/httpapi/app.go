package httpapi

import (
	"context"

	"os"
	"time"

	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/logging"
	"github.com/zapis/zapis/shared/notifier"
	"github.com/zapis/zapis/shared/objects"
	"github.com/zapis/zapis/shared/queue"
	"github.com/zapis/zapis/shared/store"
	"github.com/zapis/zapis/shared/ticket"
)

// NewApp builds an HTTP function's dependencies from its configuration. It
// does no network I/O, so a cold start pays only for building clients.
func NewApp(ctx context.Context, cfg config.API) (*App, error) {
	awsCfg, err := awsconf.Load(ctx, cfg.EndpointURL)
	if err != nil {
		return nil, err
	}
	app := &App{
		Store: store.New(awsconf.DynamoDB(awsCfg), cfg.TableName),
		Log:   logging.New(os.Stdout, cfg.LogLevel),
		Now:   time.Now,
	}
	// Clients are built only for what the function was configured with,
	// so the others stay nil and their handlers fail loudly, not silently.
	if cfg.DocumentsBucket != "" {
		app.Objects = objects.Bucket{Client: awsconf.S3(awsCfg), Name: cfg.DocumentsBucket}
	}
	if cfg.DocumentCheckQueueURL != "" || cfg.ConfirmationQueueURL != "" {
		sqsc := awsconf.SQS(awsCfg)
		if cfg.DocumentCheckQueueURL != "" {
			app.DocumentChecks = queue.DocumentChecks{Sender: queue.Sender{Client: sqsc, URL: cfg.DocumentCheckQueueURL}}
		}
		if cfg.ConfirmationQueueURL != "" {
			app.Confirmations = queue.Confirmations{Sender: queue.Sender{Client: sqsc, URL: cfg.ConfirmationQueueURL}}
		}
	}
	if len(cfg.TicketKey) > 0 {
		if app.Signer, err = ticket.NewSigner(cfg.TicketKey); err != nil {
			return nil, err
		}
	}
	if cfg.NotificationsTopicARN != "" {
		app.Notifier = &notifier.Notifier{Store: app.Store, SNS: awsconf.SNS(awsCfg), TopicARN: cfg.NotificationsTopicARN, Log: app.Log, Now: time.Now}
	}
	return app, nil
}

// MustApp is NewApp for thin mains: it reads the environment, requiring
// what needs lists, and exits on a configuration error.
func MustApp(needs ...config.Need) *App {
	cfg := config.Must(config.LoadAPI(os.Getenv, needs...))
	app, err := NewApp(context.Background(), cfg)
	return config.Must(app, err)
}
