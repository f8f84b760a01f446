package httpapi

import (
	"net/http"

	"github.com/zapis/zapis/shared/domain"
)

// GetProfile serves GET /me/profile.
func GetProfile(a *App) http.Handler {
	return a.serve("GetProfile", func(w http.ResponseWriter, r *http.Request) error {
		p, err := requireGroup(r, GroupCitizen)
		if err != nil {
			return err
		}
		prof, err := a.Store.GetProfile(r.Context(), p.Sub)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusOK, prof)
	})
}

// PutProfile serves PUT /me/profile: every field is checked and all
// problems are reported at once.
func PutProfile(a *App) http.Handler {
	return a.serve("PutProfile", func(w http.ResponseWriter, r *http.Request) error {
		p, err := requireGroup(r, GroupCitizen)
		if err != nil {
			return err
		}
		var in domain.Profile
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		now := a.Now()
		prof, err := in.Normalize(now)
		if err != nil {
			return err
		}
		prof.UpdatedAt = now.UTC()
		if err := a.Store.PutProfile(r.Context(), p.Sub, prof); err != nil {
			return err
		}
		// The profile value logs itself redacted (slog.LogValuer).
		a.Log.InfoContext(r.Context(), "profile saved", "profile", prof)
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusOK, prof)
	})
}
