// Package config reads each function's typed configuration from the
// environment. A function fails at start, with a clear message, when its
// configuration is incomplete: better a failed deploy than a broken request.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	// Institutions carry IANA zones; embed the zone database so that no
	// Lambda runtime image can lack it.
	_ "time/tzdata"
)

// Getenv reads one variable; os.Getenv in production, a map in tests.
type Getenv func(string) string

// Base is what every function needs.
type Base struct {
	// EndpointURL overrides every AWS endpoint (LocalStack, moto_server, the
	// embedded emulators). Empty in AWS.
	EndpointURL string
	LogLevel    slog.Level
}

// API is the configuration of an HTTP function.
type API struct {
	Base
	TableName string
}

type reader struct {
	get  Getenv
	errs []error
}

func (r *reader) required(name string) string {
	v := strings.TrimSpace(r.get(name))
	if v == "" {
		r.errs = append(r.errs, fmt.Errorf("%s is required", name))
	}
	return v
}

func (r *reader) optional(name, def string) string {
	if v := strings.TrimSpace(r.get(name)); v != "" {
		return v
	}
	return def
}

func (r *reader) base() Base {
	var b Base
	b.EndpointURL = r.optional("AWS_ENDPOINT_URL", "")
	lvl := r.optional("LOG_LEVEL", "info")
	if err := b.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
		r.errs = append(r.errs, fmt.Errorf("LOG_LEVEL %q: %w", lvl, err))
	}
	return b
}

func (r *reader) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration: %w", errors.Join(r.errs...))
}

// LoadAPI reads an HTTP function's configuration.
func LoadAPI(get Getenv) (API, error) {
	r := &reader{get: get}
	c := API{Base: r.base(), TableName: r.required("TABLE_NAME")}
	return c, r.err()
}

// Must returns c, or logs err and exits: used by thin mains only.
func Must[T any](c T, err error) T {
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("configuration", "error", err.Error())
		os.Exit(2)
	}
	return c
}
