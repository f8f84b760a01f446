package pipeline

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

// NewWorker builds a worker from its configuration, without network I/O.
func NewWorker(ctx context.Context, cfg config.API) (*Worker, error) {
	awsCfg, err := awsconf.Load(ctx, cfg.EndpointURL)
	if err != nil {
		return nil, err
	}
	w := &Worker{
		Store: store.New(awsconf.DynamoDB(awsCfg), cfg.TableName),
		Log:   logging.New(os.Stdout, cfg.LogLevel),
		Now:   time.Now,
	}
	if cfg.DocumentsBucket != "" {
		w.Objects = objects.Bucket{Client: awsconf.S3(awsCfg), Name: cfg.DocumentsBucket}
	}
	if cfg.ConfirmationQueueURL != "" {
		w.Confirmations = queue.Confirmations{Sender: queue.Sender{Client: awsconf.SQS(awsCfg), URL: cfg.ConfirmationQueueURL}}
	}
	if len(cfg.TicketKey) > 0 {
		if w.Signer, err = ticket.NewSigner(cfg.TicketKey); err != nil {
			return nil, err
		}
	}
	if cfg.NotificationsTopicARN != "" {
		w.Notifier = &notifier.Notifier{Store: w.Store, SNS: awsconf.SNS(awsCfg), TopicARN: cfg.NotificationsTopicARN, Log: w.Log, Now: time.Now}
	}
	return w, nil
}

// MustWorker is NewWorker for thin mains: it reads the environment,
// requiring what needs lists, and exits on a configuration error.
func MustWorker(needs ...config.Need) *Worker {
	cfg := config.Must(config.LoadAPI(os.Getenv, needs...))
	w, err := NewWorker(context.Background(), cfg)
	return config.Must(w, err)
}
