package httpapi

import (
	"net/http"
	"time"

	"github.com/zapis/zapis/shared/domain"
)

// GetNotificationSettings serves GET /me/notification-settings.
func GetNotificationSettings(a *App) http.Handler {
	return a.serve("GetNotificationSettings", func(w http.ResponseWriter, r *http.Request) error {
		p, err := requireGroup(r, GroupCitizen)
		if err != nil {
			return err
		}
		st, err := a.Store.GetSettings(r.Context(), p.Sub)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusOK, st)
	})
}

// PutNotificationSettings serves PUT /me/notification-settings.
func PutNotificationSettings(a *App) http.Handler {
	return a.serve("PutNotificationSettings", func(w http.ResponseWriter, r *http.Request) error {
		p, err := requireGroup(r, GroupCitizen)
		if err != nil {
			return err
		}
		var req domain.SettingsRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		st, err := req.Settings()
		if err != nil {
			return err
		}
		if err := a.Store.PutSettings(r.Context(), p.Sub, st); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, st)
	})
}

type notificationView struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Channel   string    `json:"channel"`
	Status    string    `json:"status"`
	At        time.Time `json:"at"`
	MessageID string    `json:"messageId,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
}

// ListNotifications serves GET /bookings/{id}/notifications: the journal of
// every notification of the booking (published, failed, suppressed).
func ListNotifications(a *App) http.Handler {
	return a.serve("ListNotifications", func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r.Context())
		if err != nil {
			return err
		}
		b, err := a.visibleBooking(r.Context(), p, PathParam(r, "id"))
		if err != nil {
			return err
		}
		entries, err := a.Store.ListNotifications(r.Context(), b.ID)
		if err != nil {
			return err
		}
		items := make([]notificationView, 0, len(entries))
		for _, e := range entries {
			// The message itself (with the phone or e-mail) stays inside.
			items = append(items, notificationView{ID: e.ID, Kind: e.Kind, Channel: e.Channel, Status: e.Status, At: e.At, MessageID: e.MessageID, Attempts: e.Attempts})
		}
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusOK, listResponse[notificationView]{Items: items})
	})
}
