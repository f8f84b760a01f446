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

// API is the configuration of a function: HTTP handlers and the workers
// share it. Beyond the table, each function needs only some of the rest,
// and says which when it loads (Need).
type API struct {
	Base
	TableName             string
	DocumentsBucket       string // DOCUMENTS_BUCKET
	DocumentCheckQueueURL string // DOCUMENT_CHECK_QUEUE_URL
	ConfirmationQueueURL  string // CONFIRMATION_QUEUE_URL
	TicketKey             []byte // TICKET_SIGNING_KEY, at least 32 bytes
	NotificationsTopicARN string // NOTIFICATIONS_TOPIC_ARN
}

// Need names a part of the configuration a function cannot run without.
type Need int

const (
	NeedDocumentsBucket Need = iota
	NeedDocumentCheckQueue
	NeedConfirmationQueue
	NeedTicketKey
	NeedNotificationsTopic
)

// MinTicketKeyLen is the shortest accepted QR signing key (HMAC-SHA256).
const MinTicketKeyLen = 32

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

// LoadAPI reads a function's configuration: the table always, and what
// needs lists.
func LoadAPI(get Getenv, needs ...Need) (API, error) {
	r := &reader{get: get}
	c := API{Base: r.base(), TableName: r.required("TABLE_NAME")}
	for _, n := range needs {
		switch n {
		case NeedDocumentsBucket:
			c.DocumentsBucket = r.required("DOCUMENTS_BUCKET")
		case NeedDocumentCheckQueue:
			c.DocumentCheckQueueURL = r.required("DOCUMENT_CHECK_QUEUE_URL")
		case NeedConfirmationQueue:
			c.ConfirmationQueueURL = r.required("CONFIRMATION_QUEUE_URL")
		case NeedNotificationsTopic:
			c.NotificationsTopicARN = r.required("NOTIFICATIONS_TOPIC_ARN")
		case NeedTicketKey:
			// Never logged: the error names the variable, not its value.
			if k := r.required("TICKET_SIGNING_KEY"); k != "" && len(k) < MinTicketKeyLen {
				r.errs = append(r.errs, fmt.Errorf("TICKET_SIGNING_KEY must be at least %d bytes", MinTicketKeyLen))
			} else {
				c.TicketKey = []byte(k)
			}
		}
	}
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
