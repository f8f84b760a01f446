// Command local runs the whole Zapis stack on this machine (`make run`).
// Settings come from the environment: ADDR (127.0.0.1:3000), AWS_ENDPOINT_URL
// (LocalStack or moto_server instead of the embedded emulators), SEED
// (default true), ZAPIS_DEV_KEY (a fixed token signing key), LOG_LEVEL.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/zapis/zapis/infra/local/runner"
	"github.com/zapis/zapis/shared/logging"
)

func main() {
	var level slog.Level
	if err := level.UnmarshalText([]byte(envOr("LOG_LEVEL", "info"))); err != nil {
		level = slog.LevelInfo
	}
	log := logging.New(os.Stdout, level)
	seedOn, err := strconv.ParseBool(envOr("SEED", "true"))
	if err != nil {
		log.Error("SEED must be true or false", "value", os.Getenv("SEED"))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rn, err := runner.Start(ctx, runner.Config{
		Addr:         envOr("ADDR", "127.0.0.1:3000"),
		TemplatePath: envOr("TEMPLATE", "template.yaml"),
		EndpointURL:  os.Getenv("AWS_ENDPOINT_URL"),
		Seed:         seedOn,
		DevKey:       os.Getenv("ZAPIS_DEV_KEY"),
		Tick:         true, // the schedules run on their rate, as in AWS
		Log:          log,
	})
	if err != nil {
		log.Error("local stack failed to start", "error", err.Error())
		os.Exit(1)
	}
	<-ctx.Done()
	rn.Close()
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
