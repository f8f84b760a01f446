package pipeline

import (
	"context"
	"os"
	"time"

	"github.com/zapis/zapis/shared/config"
	"github.com/zapis/zapis/shared/deps"
)

// NewWorker builds a worker from its configuration, without network I/O.
func NewWorker(ctx context.Context, cfg config.API) (*Worker, error) {
	d, err := deps.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return WorkerFrom(d), nil
}

// WorkerFrom makes a worker of built dependencies.
func WorkerFrom(d deps.Deps) *Worker {
	return &Worker{
		Store: d.Store, Objects: d.Objects, Confirmations: d.Confirmations, Signer: d.Signer,
		Notifier: d.Notifier, Log: d.Log, Now: time.Now,
	}
}

// MustWorker is NewWorker for thin mains: it reads the environment,
// requiring what needs lists, and exits on a configuration error.
func MustWorker(needs ...config.Need) *Worker {
	cfg := config.Must(config.LoadAPI(os.Getenv, needs...))
	w, err := NewWorker(context.Background(), cfg)
	return config.Must(w, err)
}
