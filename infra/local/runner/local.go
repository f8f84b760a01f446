package runner

import (
	"net/http"
	"time"

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
		httpapi.NotFound(w, r)
	}
}
