package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/zapis/zapis/infra/emulators"
)

// stack is one running local stack the API tests talk to over HTTP.
type stack struct {
	name string
	rn   *Runner
}

var stacks []stack

// TestMain starts the runner on the embedded emulators and, when
// moto_server is installed, a second runner on moto, so every API test runs
// against both backends.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	if os.Getenv("ZAPIS_TEST_LOGS") != "" {
		quiet = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	// Three days of seed slots: both emulators copy the whole table around
	// every transaction (minidyn to roll back, moto likewise), so a small
	// table keeps the race tests quick. `make run` seeds 14 days.
	// Timeout: under -race on a busy 2-core machine a 200-request burst
	// queues behind the emulator's global lock for longer than a
	// function's 30 s (seen in CI: 60 × 503 in a race round while another
	// job held a core); the tests check what is written, not the
	// emulator's speed.
	base := Config{Addr: "127.0.0.1:0", TemplatePath: "../../../template.yaml", Seed: true, SeedDays: 3, Log: quiet, Timeout: 3 * time.Minute}

	emb, err := Start(ctx, base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start embedded runner:", err)
		return 1
	}
	defer emb.Close()
	stacks = append(stacks, stack{"embedded", emb})

	moto, err := emulators.StartMoto(ctx)
	switch {
	case errors.Is(err, emulators.ErrMotoNotInstalled):
		fmt.Fprintln(os.Stderr, "moto_server not on PATH: skipping the moto backend")
	case err != nil:
		fmt.Fprintln(os.Stderr, "start moto_server:", err)
		return 1
	default:
		defer moto.Close()
		cfg := base
		cfg.EndpointURL = moto.URL()
		rn, err := Start(ctx, cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "start runner on moto:", err)
			return 1
		}
		defer rn.Close()
		stacks = append(stacks, stack{"moto", rn})
	}
	return m.Run()
}

// eachStack runs f as a parallel subtest per backend.
func eachStack(t *testing.T, f func(t *testing.T, s stack)) {
	t.Helper()
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			f(t, s)
		})
	}
}
