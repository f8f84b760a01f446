// Package httpapi holds one HTTP handler per API operation, the problem+json
// error mapping and the caller's claims. Handlers are plain http.Handlers:
// in AWS they run behind aws-lambda-go-api-proxy, locally behind the runner.
package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/logging"
	"github.com/zapis/zapis/shared/notifier"
	"github.com/zapis/zapis/shared/objects"
	"github.com/zapis/zapis/shared/store"
	"github.com/zapis/zapis/shared/ticket"
)

// App is what the handlers depend on. One per process, built at start.
type App struct {
	Store *store.Store
	Log   *slog.Logger
	Now   func() time.Time
	// Confirmations is told about each booking that is ready to be
	// confirmed (domain.Booking.ReadyToConfirm), to queue its ticket. Nil
	// until the confirmation pipeline is wired: bookings then stay pending.
	Confirmations Confirmer
	// DocumentChecks queues document checks (submit).
	DocumentChecks DocumentChecker
	// Objects is the documents bucket: presigned uploads, tickets.
	Objects objects.Bucket
	// Signer verifies the QR codes of tickets (check-in).
	Signer ticket.Signer
	// Notifier tells citizens about cancellations and moves. Nil: nobody
	// is told (functions that change nothing).
	Notifier *notifier.Notifier
}

// tell notifies the citizen of a change already made. The change stands
// either way: a failure to record the notification is logged loudly (a
// failed publish is recorded and retried by the reminder runs).
func (a *App) tell(ctx context.Context, b domain.Booking, ev notifier.Event) {
	if a.Notifier == nil {
		return
	}
	if _, err := a.Notifier.Notify(ctx, b, ev); err != nil {
		a.Log.ErrorContext(ctx, "notification not recorded", "bookingId", b.ID, "kind", string(ev.Kind), "error", err.Error())
	}
}

// DocumentChecker queues the check of an uploaded document.
type DocumentChecker interface {
	RequestCheck(ctx context.Context, bookingID, documentID string) error
}

// Confirmer queues the confirmation of a booking.
type Confirmer interface {
	RequestConfirmation(ctx context.Context, bookingID string) error
}

// handlerFunc is a handler that returns its error for serve to map.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// serve adapts h: it adds the request ids to the log context, answers errors
// as problem+json from the one mapping table, and never lets a panic reach
// the client as anything but a logged 500.
func (a *App) serve(operation string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := requestLogContext(r.Context(), operation)
		r = r.WithContext(ctx)
		start := a.Now()
		rw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				a.Log.ErrorContext(ctx, "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				a.writeError(rw, r, fmt.Errorf("panic: %v", v))
			}
			a.Log.InfoContext(ctx, "request", "method", r.Method, "route", operation, "status", rw.status, "durationMs", a.Now().Sub(start).Milliseconds())
		}()
		if err := h(rw, r); err != nil {
			a.writeError(rw, r, err)
		}
	})
}

func requestLogContext(ctx context.Context, operation string) context.Context {
	attrs := []slog.Attr{slog.String("operation", operation)}
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(ctx); ok && rc.RequestID != "" {
		attrs = append(attrs, slog.String("requestId", rc.RequestID))
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		attrs = append(attrs, slog.String("lambdaRequestId", lc.AwsRequestID))
	}
	return logging.With(ctx, attrs...)
}

func (a *App) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p, known := problemFor(err, wantsEnglish(r))
	switch {
	case !known:
		// The error text may carry internals; it goes to the log only.
		a.Log.ErrorContext(r.Context(), "unexpected error", "error", err.Error())
	case p.Status >= 500:
		a.Log.WarnContext(r.Context(), "dependency unavailable", "error", err.Error())
		w.Header().Set("Retry-After", "2")
	default:
		a.Log.DebugContext(r.Context(), "client error", "code", p.Code)
	}
	writeProblem(w, p)
}

// WriteError answers err as problem+json through the mapping table. The local
// runner uses it for what API Gateway itself rejects (no token, no route).
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p, _ := problemFor(err, wantsEnglish(r))
	writeProblem(w, p)
}

// DecodeJSON is the strict JSON decoding of the handlers, for the runner's
// own endpoints.
func DecodeJSON(r *http.Request, dst any) error { return decodeJSON(r, dst) }

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) error { return writeJSON(w, status, v) }

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// NotFound answers 404 problem+json for a path no route matches.
func NotFound(w http.ResponseWriter, r *http.Request) {
	p, _ := problemFor(errRouteNotFound, wantsEnglish(r))
	writeProblem(w, p)
}

// MethodNotAllowed answers 405 problem+json with the Allow header.
func MethodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	p, _ := problemFor(errMethodNotAllowed, wantsEnglish(r))
	w.Header().Set("Allow", allow)
	writeProblem(w, p)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
