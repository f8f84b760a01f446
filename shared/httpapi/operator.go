package httpapi

import (
	"fmt"
	"net/http"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/store"
	"github.com/zapis/zapis/shared/ticket"
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

type checkinRequest struct {
	Code string `json:"code"`
	QR   string `json:"qr"`
}

// Checkin serves POST /institutions/{id}/checkin: the operator types the
// code or scans the ticket's QR. A QR is trusted only when its signature
// verifies, and only for the booking's current time.
func Checkin(a *App) http.Handler {
	return a.serve("Checkin", func(w http.ResponseWriter, r *http.Request) error {
		instID := PathParam(r, "id")
		p, err := requireInstitutionStaff(r, instID)
		if err != nil {
			return err
		}
		var req checkinRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		code, payload, err := a.readCheckin(req)
		if err != nil {
			return err
		}
		ctx := r.Context()
		id, err := a.Store.BookingIDByCode(ctx, code)
		if err != nil {
			return err
		}
		actor := domain.ActorOperator
		if p.In(GroupAdmin) {
			actor = domain.ActorAdmin
		}
		for range maxAttempts {
			b, err := a.Store.GetBooking(ctx, id)
			if err != nil {
				return err
			}
			if payload != nil && (payload.BookingID != b.ID || !payload.Start.Equal(b.Slot.Start)) {
				return withDetail(fmt.Errorf("ticket for another time: %w", domain.ErrInvalidState), "Талон выдан на другое время: запись перенесена")
			}
			now := a.Now()
			if err := b.CheckCheckIn(instID, now); err != nil {
				return err
			}
			if b.Attendance == domain.AttendanceArrived {
				return writeJSON(w, http.StatusOK, b) // scanned twice
			}
			err = a.Store.RecordArrival(ctx, b, domain.HistoryEntry{At: now.UTC(), Action: domain.ActionCheckedIn, Actor: actor})
			if store.IsStale(err) {
				continue
			}
			if err != nil {
				return err
			}
			a.Log.InfoContext(ctx, "visitor checked in", "bookingId", b.ID, "institutionId", instID)
			return a.writeBooking(ctx, w, p, id)
		}
		return fmt.Errorf("booking %s kept changing: %w", id, domain.ErrUnavailable)
	})
}

// readCheckin validates {code} or {qr}: exactly one, a well-formed code, a
// QR whose signature verifies.
func (a *App) readCheckin(req checkinRequest) (string, *ticket.Payload, error) {
	switch {
	case req.Code == "" && req.QR == "":
		return "", nil, domain.Invalid("code", "required", "Укажите код записи или QR-код талона")
	case req.Code != "" && req.QR != "":
		return "", nil, domain.Invalid("qr", "ambiguous", "Укажите что-то одно: код или QR-код")
	case req.QR != "":
		pl, err := a.Signer.Verify(req.QR)
		if err != nil {
			return "", nil, domain.Invalid("qr", "bad_signature", "QR-код не принадлежит талону Zapis или изменён")
		}
		return pl.Code, &pl, nil
	}
	code, ok := domain.NormalizeCode(req.Code)
	if !ok {
		return "", nil, domain.Invalid("code", "invalid_format", "Код записи — 8 символов, например 7K3M-9QXD")
	}
	return code, nil, nil
}
