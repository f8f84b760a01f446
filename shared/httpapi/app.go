package httpapi

import (
	"context"

	"os"
	"time"

	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/logging"
	"github.com/zapis/zapis/shared/store"
)

// NewApp builds an HTTP function's dependencies from its configuration. It
// does no network I/O, so a cold start pays only for building clients.
func NewApp(ctx context.Context, cfg config.API) (*App, error) {
	awsCfg, err := awsconf.Load(ctx, cfg.EndpointURL)
	if err != nil {
		return nil, err
	}
	return &App{
		Store: store.New(awsconf.DynamoDB(awsCfg), cfg.TableName),
		Log:   logging.New(os.Stdout, cfg.LogLevel),
		Now:   time.Now,
	}, nil
}

// MustApp is NewApp for thin mains: it reads the environment and exits on a
// configuration error.
func MustApp() *App {
	cfg := config.Must(config.LoadAPI(os.Getenv))
	app, err := NewApp(context.Background(), cfg)
	return config.Must(app, err)
}
