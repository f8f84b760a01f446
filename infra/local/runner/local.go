package runner

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/zapis/zapis/infra/local/invoke"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/httpapi"
)

// serveLocal serves the local-only endpoints of API.md. They are never
// deployed: the template has no route for them.
func (rn *Runner) serveLocal(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_local/health":
		if r.Method != http.MethodGet {
			httpapi.MethodNotAllowed(w, r, http.MethodGet)
			return
		}
		if !rn.ready.Load() {
			httpapi.WriteError(w, r, domain.ErrUnavailable)
			return
		}
		_ = httpapi.WriteJSON(w, http.StatusOK, map[string]any{
			"status":   "ok",
			"embedded": rn.edge != nil,
			"routes":   len(rn.routes),
			"seed":     rn.seedStats,
		})
	case "/_local/token":
		if r.Method != http.MethodPost {
			httpapi.MethodNotAllowed(w, r, http.MethodPost)
			return
		}
		var req tokenRequest
		if err := httpapi.DecodeJSON(r, &req); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		if err := req.validate(); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		tok, exp, err := rn.key.issue(req, rn.now())
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		_ = httpapi.WriteJSON(w, http.StatusOK, map[string]any{"token": tok, "expiresAt": exp.UTC().Format(time.RFC3339)})
	default:
		if name, ok := scheduleRunPath(r.URL.Path); ok {
			rn.serveScheduleRun(w, r, name)
			return
		}
		httpapi.NotFound(w, r)
	}
}

// scheduleRunPath matches /_local/schedules/{name}/run.
func scheduleRunPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/_local/schedules/")
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, "/run")
	return name, ok && name != "" && !strings.Contains(name, "/")
}

type scheduleRunRequest struct {
	Time string `json:"time"`
}

// serveScheduleRun runs a scheduled function with an EventBridge event whose
// time is the body's time (now when left out) and answers its summary.
func (rn *Runner) serveScheduleRun(w http.ResponseWriter, r *http.Request, name string) {
	if r.Method != http.MethodPost {
		httpapi.MethodNotAllowed(w, r, http.MethodPost)
		return
	}
	var req scheduleRunRequest
	if r.ContentLength != 0 {
		if err := httpapi.DecodeJSON(r, &req); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
	}
	at := rn.now()
	if req.Time != "" {
		t, err := time.Parse(time.RFC3339, req.Time)
		if err != nil {
			httpapi.WriteError(w, r, domain.Invalid("time", "invalid_format", "Время в формате RFC 3339, например 2026-11-23T10:00:00+03:00"))
			return
		}
		at = t
	}
	ctx, cancel := context.WithTimeout(r.Context(), rn.timeout)
	defer cancel()
	out, err := rn.scheduler.Run(ctx, name, at)
	if errors.Is(err, invoke.ErrUnknownSchedule) {
		httpapi.WriteError(w, r, fmt.Errorf("schedule %q: %w", name, domain.ErrNotFound))
		return
	}
	if err != nil {
		// The function failed; EventBridge would retry. Its summary still
		// says how far it got.
		rn.log.Warn("scheduled run failed", "schedule", name, "error", err.Error())
		_ = httpapi.WriteJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error(), "summary": out})
		return
	}
	_ = httpapi.WriteJSON(w, http.StatusOK, out)
}
