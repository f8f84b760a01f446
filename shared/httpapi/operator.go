package httpapi

import (
	"fmt"
	"net/http"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/store"
)

// InstitutionBookings serves GET /institutions/{id}/bookings?date=: the
// day's list for the counter, with the citizens' names.
func InstitutionBookings(a *App) http.Handler {
	return a.serve("InstitutionBookings", func(w http.ResponseWriter, r *http.Request) error {
		id := PathParam(r, "id")
		if _, err := requireInstitutionStaff(r, id); err != nil {
			return err
		}
		inst, err := a.Store.GetInstitution(r.Context(), id)
		if err != nil {
			return err
		}
		loc, err := inst.Location()
		if err != nil {
			return fmt.Errorf("institution %s zone: %w", id, err)
		}
		date := r.URL.Query().Get("date")
		if date == "" {
			date = domain.LocalDate(a.Now(), loc)
		} else if _, _, err := domain.DayRange(loc, date, date); err != nil {
			return domain.Invalid("date", "invalid_format", "Дата в формате ГГГГ-ММ-ДД")
		}
		limit, err := parseLimit(r)
		if err != nil {
			return err
		}
		page, err := a.Store.ListInstitutionDay(r.Context(), id, date, limit, r.URL.Query().Get("nextToken"))
		if err != nil {
			return err
		}
		for i := range page.Items {
			page.Items[i].History = nil
		}
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusOK, listResponse[domain.Booking]{Items: nonNil(page.Items), NextToken: page.NextToken})
	})
}

type attendanceRequest struct {
	Status string `json:"status"`
}

// RecordAttendance serves POST /bookings/{id}/attendance.
func RecordAttendance(a *App) http.Handler {
	return a.serve("RecordAttendance", func(w http.ResponseWriter, r *http.Request) error {
		p, err := requireGroup(r, GroupOperator, GroupAdmin)
		if err != nil {
			return err
		}
		var req attendanceRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		status, err := domain.ParseAttendance(req.Status)
		if err != nil {
			return err
		}
		ctx := r.Context()
		id := PathParam(r, "id")
		actor := domain.ActorOperator
		if p.In(GroupAdmin) {
			actor = domain.ActorAdmin
		}
		for range maxAttempts {
			b, err := a.Store.GetBooking(ctx, id)
			if err != nil {
				return err
			}
			if _, err := requireInstitutionStaff(r, b.Institution.ID); err != nil {
				return err
			}
			now := a.Now()
			if err := b.CheckAttendance(now); err != nil {
				return err
			}
			err = a.Store.EndBooking(ctx, b, status, domain.HistoryEntry{At: now.UTC(), Action: string(status), Actor: actor})
			if store.IsStale(err) {
				continue
			}
			if err != nil {
				return err
			}
			return a.writeBooking(ctx, w, p, id)
		}
		return fmt.Errorf("booking %s kept changing: %w", id, domain.ErrUnavailable)
	})
}
