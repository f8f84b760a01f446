package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/metrics"
	"github.com/zapis/zapis/shared/notifier"
	"github.com/zapis/zapis/shared/notify"
	"github.com/zapis/zapis/shared/store"
)

// maxAttempts bounds the re-reads after a concurrent update of the same
// booking, and the retries of a random code that was taken.
const maxAttempts = 3

type slotRequest struct {
	SlotID string `json:"slotId"`
}

func (s slotRequest) validate() error {
	if strings.TrimSpace(s.SlotID) == "" {
		return domain.Invalid("slotId", "required", "Выберите время приёма")
	}
	return nil
}

// readSlotRequest checks that the caller is a citizen and reads {slotId}.
func readSlotRequest(r *http.Request) (Principal, slotRequest, error) {
	var req slotRequest
	p, err := requireGroup(r, GroupCitizen)
	if err != nil {
		return p, req, err
	}
	if err := decodeJSON(r, &req); err != nil {
		return p, req, err
	}
	return p, req, req.validate()
}

// idempotencyKey reads the optional Idempotency-Key header.
func idempotencyKey(r *http.Request) (string, error) {
	k := r.Header.Get("Idempotency-Key")
	if k == "" {
		return "", nil
	}
	if len(k) > 255 {
		return "", domain.Invalid("Idempotency-Key", "too_long", "Ключ идемпотентности длиннее 255 символов")
	}
	for _, c := range k {
		if c < 0x21 || c > 0x7e {
			return "", domain.Invalid("Idempotency-Key", "invalid_format", "Ключ идемпотентности: печатные символы ASCII без пробелов")
		}
	}
	return k, nil
}

func requestHash(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])
}

// claimKey takes the Idempotency-Key, if any. A replay returns the booking
// the first request made.
func (a *App) claimKey(ctx context.Context, r *http.Request, p Principal, hash string) (*store.IdempotencyClaim, *domain.Booking, error) {
	key, err := idempotencyKey(r)
	if err != nil || key == "" {
		return nil, nil, err
	}
	claim, prev, err := a.Store.ClaimIdempotency(ctx, p.Sub, key, hash, a.Now())
	if err != nil {
		return nil, nil, err
	}
	if prev != nil {
		b, err := a.Store.GetBooking(ctx, prev.BookingID)
		if err != nil {
			return nil, nil, err
		}
		return nil, &b, nil
	}
	return claim, nil, nil
}

// release gives the key back when the request failed; a failure to do so
// only delays the client's retry until the claim goes stale.
func (a *App) release(ctx context.Context, claim *store.IdempotencyClaim) {
	if err := a.Store.ReleaseIdempotency(ctx, claim); err != nil {
		a.Log.WarnContext(ctx, "release idempotency key", "error", err.Error())
	}
}

// CreateBooking serves POST /bookings.
func CreateBooking(a *App) http.Handler {
	return a.serve("CreateBooking", func(w http.ResponseWriter, r *http.Request) error {
		p, req, err := readSlotRequest(r)
		if err != nil {
			return err
		}
		ctx := r.Context()
		claim, replay, err := a.claimKey(ctx, r, p, requestHash("create-booking", req.SlotID))
		if err != nil {
			return err
		}
		if replay != nil {
			w.Header().Set("Location", "/bookings/"+replay.ID)
			return writeJSON(w, http.StatusCreated, viewFor(*replay, p))
		}
		b, err := a.createBooking(ctx, p, req.SlotID, claim)
		if err != nil {
			a.release(ctx, claim)
			if errors.Is(err, domain.ErrSlotFull) {
				metrics.Count(metrics.SlotFull, 1)
			}
			return err
		}
		metrics.Count(metrics.BookingsCreated, 1)
		a.Log.InfoContext(ctx, "booking created", "bookingId", b.ID, "slotId", b.Slot.ID, "serviceId", b.Service.ID)
		a.requestTicket(ctx, b)
		w.Header().Set("Location", "/bookings/"+b.ID)
		return writeJSON(w, http.StatusCreated, viewFor(b, p))
	})
}

func (a *App) createBooking(ctx context.Context, p Principal, slotID string, claim *store.IdempotencyClaim) (domain.Booking, error) {
	profile, err := a.Store.GetProfile(ctx, p.Sub)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && !profile.Complete()) {
		return domain.Booking{}, domain.ErrProfileIncomplete
	}
	if err != nil {
		return domain.Booking{}, err
	}
	slot, err := a.Store.GetSlot(ctx, slotID)
	if err != nil {
		return domain.Booking{}, err
	}
	now := a.Now()
	if !slot.Start.After(now) {
		return domain.Booking{}, domain.ErrSlotInPast
	}
	if slot.Free() == 0 {
		// A consistent read says there is no seat: spare the transaction.
		return domain.Booking{}, domain.ErrSlotFull
	}
	svc, err := a.Store.GetService(ctx, slot.ServiceID)
	if err != nil {
		return domain.Booking{}, err
	}
	inst, err := a.Store.GetInstitution(ctx, slot.InstitutionID)
	if err != nil {
		return domain.Booking{}, err
	}
	for range maxAttempts {
		b, err := domain.NewBooking(store.NewBookingID(), domain.NewCode(), p.Sub, profile.FullName(), svc, inst, slot, now)
		if err != nil {
			return domain.Booking{}, err
		}
		err = a.Store.CreateBooking(ctx, b, claim)
		if store.IsCodeTaken(err) {
			continue
		}
		return b, err
	}
	return domain.Booking{}, fmt.Errorf("no free booking code after %d tries: %w", maxAttempts, domain.ErrUnavailable)
}

// requestTicket queues the ticket of a booking that needs one: a new
// booking of a service that asks for no documents, or a confirmed booking
// that moved. The booking stands either way, so a failure is logged rather
// than failing the request: the expiry run re-queues a pending booking that
// is ready, and GET /bookings/{id}/confirmation one whose ticket is stale.
func (a *App) requestTicket(ctx context.Context, b domain.Booking) {
	if a.Confirmations == nil || !b.NeedsTicket() {
		return
	}
	if err := a.Confirmations.RequestConfirmation(ctx, b.ID); err != nil {
		a.Log.WarnContext(ctx, "queue confirmation", "bookingId", b.ID, "error", err.Error())
	}
}

// movedFrom returns the start a booking was last moved from, from its
// history.
func movedFrom(b domain.Booking) (time.Time, bool) {
	for i := len(b.History) - 1; i >= 0; i-- {
		if h := b.History[i]; h.Action == domain.ActionRescheduled {
			t, err := time.Parse(time.RFC3339, h.Details["fromStart"])
			return t, err == nil
		}
	}
	return time.Time{}, false
}

// ownBooking reads a booking the caller may see as a citizen: another
// citizen's booking is not found, so its existence is not revealed.
func (a *App) ownBooking(ctx context.Context, p Principal, id string) (domain.Booking, error) {
	b, err := a.Store.GetBooking(ctx, id)
	if err != nil {
		return domain.Booking{}, err
	}
	if b.CitizenID != p.Sub {
		return domain.Booking{}, fmt.Errorf("booking %s of another citizen: %w", id, domain.ErrNotFound)
	}
	return b, nil
}

// visibleBooking reads a booking for its citizen, an operator of its
// institution or an admin; anyone else gets not found.
func (a *App) visibleBooking(ctx context.Context, p Principal, id string) (domain.Booking, error) {
	b, err := a.Store.GetBooking(ctx, id)
	if err != nil {
		return domain.Booking{}, err
	}
	switch {
	case b.CitizenID == p.Sub,
		p.In(GroupAdmin),
		p.In(GroupOperator) && p.InstitutionID == b.Institution.ID:
		return b, nil
	}
	return domain.Booking{}, fmt.Errorf("booking %s not visible: %w", id, domain.ErrNotFound)
}

// GetBooking serves GET /bookings/{id}.
func GetBooking(a *App) http.Handler {
	return a.serve("GetBooking", func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r.Context())
		if err != nil {
			return err
		}
		b, err := a.visibleBooking(r.Context(), p, PathParam(r, "id"))
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusOK, viewFor(b, p))
	})
}

// parseLimit reads ?limit= (default 50, at most 200).
func parseLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, domain.Invalid("limit", "out_of_range", "Размер страницы должен быть от 1 до 200")
	}
	return n, nil
}

// ListBookings serves GET /bookings?status=.
func ListBookings(a *App) http.Handler {
	return a.serve("ListBookings", func(w http.ResponseWriter, r *http.Request) error {
		p, err := requireGroup(r, GroupCitizen)
		if err != nil {
			return err
		}
		var probs domain.Problems
		filter, err := domain.ParseStatusFilter(r.URL.Query().Get("status"))
		probs.AddAll("", err)
		limit, err := parseLimit(r)
		probs.AddAll("", err)
		if err := probs.Err(); err != nil {
			return err
		}
		page, err := a.Store.ListCitizenBookings(r.Context(), p.Sub, filter, limit, r.URL.Query().Get("nextToken"))
		if err != nil {
			return err
		}
		for i := range page.Items {
			page.Items[i].CitizenName = ""
			page.Items[i].History = nil
		}
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusOK, listResponse[domain.Booking]{Items: nonNil(page.Items), NextToken: page.NextToken})
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

// decodeOptionalJSON is decodeJSON for bodies a client may leave out.
func decodeOptionalJSON(r *http.Request, dst any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeJSON(r, dst)
}

// CancelBooking serves POST /bookings/{id}/cancel.
func CancelBooking(a *App) http.Handler {
	return a.serve("CancelBooking", func(w http.ResponseWriter, r *http.Request) error {
		p, err := requireGroup(r, GroupCitizen)
		if err != nil {
			return err
		}
		var req cancelRequest
		if err := decodeOptionalJSON(r, &req); err != nil {
			return err
		}
		req.Reason = strings.TrimSpace(req.Reason)
		if len([]rune(req.Reason)) > 500 {
			return domain.Invalid("reason", "too_long", "Причина — не длиннее 500 символов")
		}
		ctx := r.Context()
		id := PathParam(r, "id")
		for range maxAttempts {
			b, err := a.ownBooking(ctx, p, id)
			if err != nil {
				return err
			}
			now := a.Now()
			if err := b.CheckChangeable(now); err != nil {
				return err
			}
			details := map[string]string{"slotId": b.Slot.ID}
			if req.Reason != "" {
				details["reason"] = req.Reason
			}
			err = a.Store.EndBooking(ctx, b, domain.StatusCancelled, domain.HistoryEntry{At: now.UTC(), Action: domain.ActionCancelled, Actor: domain.ActorCitizen, Details: details})
			if store.IsStale(err) {
				continue
			}
			if err != nil {
				return err
			}
			a.Log.InfoContext(ctx, "booking cancelled", "bookingId", b.ID)
			metrics.Count(metrics.Cancellations, 1)
			b.Status = domain.StatusCancelled
			a.tell(ctx, b, notifier.Event{Kind: notify.KindCancelled, Key: "cancelled"})
			return a.writeBooking(ctx, w, p, id)
		}
		return fmt.Errorf("booking %s kept changing: %w", id, domain.ErrUnavailable)
	})
}

// writeBooking answers 200 with the booking as it is now.
func (a *App) writeBooking(ctx context.Context, w http.ResponseWriter, p Principal, id string) error {
	b, err := a.Store.GetBooking(ctx, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewFor(b, p))
}

// viewFor drops the citizen's name from what the citizen sees: the name is
// for the operator's list.
func viewFor(b domain.Booking, p Principal) domain.Booking {
	if b.CitizenID == p.Sub {
		b.CitizenName = ""
	}
	return b
}

// RescheduleBooking serves POST /bookings/{id}/reschedule.
func RescheduleBooking(a *App) http.Handler {
	return a.serve("RescheduleBooking", func(w http.ResponseWriter, r *http.Request) error {
		p, req, err := readSlotRequest(r)
		if err != nil {
			return err
		}
		ctx := r.Context()
		id := PathParam(r, "id")
		// The booking must be the caller's before a key is spent on it.
		if _, err := a.ownBooking(ctx, p, id); err != nil {
			return err
		}
		claim, replay, err := a.claimKey(ctx, r, p, requestHash("reschedule", id, req.SlotID))
		if err != nil {
			return err
		}
		if replay != nil {
			return a.writeBooking(ctx, w, p, replay.ID)
		}
		if err := a.reschedule(ctx, p, id, req.SlotID, claim); err != nil {
			a.release(ctx, claim)
			return err
		}
		a.Log.InfoContext(ctx, "booking rescheduled", "bookingId", id, "slotId", req.SlotID)
		b, err := a.Store.GetBooking(ctx, id)
		if err != nil {
			return err
		}
		a.requestTicket(ctx, b)
		if prev, ok := movedFrom(b); ok {
			a.tell(ctx, b, notifier.Event{Kind: notify.KindRescheduled, Key: b.Slot.ID + "@" + strconv.Itoa(b.Version), PreviousStart: prev})
		}
		return writeJSON(w, http.StatusOK, viewFor(b, p))
	})
}

func (a *App) reschedule(ctx context.Context, p Principal, id, slotID string, claim *store.IdempotencyClaim) error {
	to, err := a.Store.GetSlot(ctx, slotID)
	if err != nil {
		return err
	}
	for range maxAttempts {
		b, err := a.ownBooking(ctx, p, id)
		if err != nil {
			return err
		}
		now := a.Now()
		if err := b.CheckReschedule(to, now); err != nil {
			return err
		}
		if to.Free() == 0 {
			return domain.ErrSlotFull
		}
		h := domain.HistoryEntry{At: now.UTC(), Action: domain.ActionRescheduled, Actor: domain.ActorCitizen, Details: map[string]string{
			"from": b.Slot.ID, "fromStart": b.Slot.Start.UTC().Format(time.RFC3339),
			"to": to.ID, "toStart": to.Start.UTC().Format(time.RFC3339),
		}}
		deadline := domain.DocumentsDeadline(to.Start, now, b.CancelBeforeHours)
		err = a.Store.RescheduleBooking(ctx, b, to, deadline, h, claim)
		if store.IsStale(err) {
			continue
		}
		return err
	}
	return fmt.Errorf("booking %s kept changing: %w", id, domain.ErrUnavailable)
}
