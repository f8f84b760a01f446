package httpapi

import (
	"context"
	"os"
	"time"

	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/deps"
)

// NewApp builds an HTTP function's dependencies from its configuration. It
// does no network I/O, so a cold start pays only for building clients.
func NewApp(ctx context.Context, cfg config.API) (*App, error) {
	d, err := deps.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return AppFrom(d), nil
}

// AppFrom makes an App of built dependencies.
func AppFrom(d deps.Deps) *App {
	app := &App{
		Store: d.Store, Log: d.Log, Now: time.Now,
		Objects: d.Objects, Signer: d.Signer, Notifier: d.Notifier,
	}
	// The interfaces stay nil for what the function was not configured
	// with, so their handlers skip the step rather than call a dead queue.
	if d.DocumentChecks.URL != "" {
		app.DocumentChecks = d.DocumentChecks
	}
	if d.Confirmations.URL != "" {
		app.Confirmations = d.Confirmations
	}
	return app
}

// MustApp is NewApp for thin mains: it reads the environment, requiring
// what needs lists, and exits on a configuration error.
func MustApp(needs ...config.Need) *App {
	cfg := config.Must(config.LoadAPI(os.Getenv, needs...))
	app, err := NewApp(context.Background(), cfg)
	return config.Must(app, err)
}
