package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/logging"
	"github.com/zapis/zapis/shared/notifier"
	"github.com/zapis/zapis/shared/notify"
	"github.com/zapis/zapis/shared/queue"
	"github.com/zapis/zapis/shared/store"
	ticket "github.com/zapis/zapis/shared/ticket/pdf"
)

// Confirm is the confirmation worker: it renders the booking's ticket (PDF
// with the code and a signed QR), stores it, and confirms the booking; for
// a confirmed booking that moved it makes the ticket for the new time.
func (w *Worker) Confirm(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	return w.batch(ctx, ev, "Confirmation", w.confirmRecord), nil
}

func (w *Worker) confirmRecord(ctx context.Context, rec events.SQSMessage) error {
	m, err := decode(rec, func(m queue.Confirmation) bool { return m.BookingID != "" })
	if err != nil {
		return err
	}
	ctx = logging.With(ctx, slog.String("bookingId", m.BookingID))
	return w.confirm(ctx, m.BookingID)
}

// TicketKey is where a booking's ticket for a slot is stored: one object
// per slot, so a duplicate delivery overwrites the same object.
func TicketKey(bookingID, slotID string) string {
	return "tickets/" + bookingID + "/" + slotID + ".pdf"
}

func (w *Worker) confirm(ctx context.Context, id string) error {
	for range maxAttempts {
		b, err := w.Store.GetBooking(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			w.Log.WarnContext(ctx, "confirmation for an unknown booking; dropped")
			return nil
		}
		if err != nil {
			return err
		}
		if !b.NeedsTicket() {
			// Confirmed already (a duplicate: make sure the citizen was
			// told, which a crash may have prevented), cancelled, or still
			// missing documents.
			w.Log.InfoContext(ctx, "no ticket needed", "status", string(b.Status))
			if b.Status == domain.StatusConfirmed {
				return w.tell(ctx, b, notifier.Event{Kind: notify.KindConfirmed, Key: "confirmed"})
			}
			return nil
		}
		now := w.Now().UTC()
		pdf, err := ticket.Render(ticket.Ticket{
			Code: b.Code, BookingID: b.ID, FullName: b.CitizenName,
			ServiceName:     b.Service.Name,
			InstitutionName: b.Institution.Name, Address: b.Institution.Address, Timezone: b.Institution.Timezone,
			Start: b.Slot.Start, End: b.Slot.End, IssuedAt: now,
		}, w.Signer)
		if err != nil {
			return fmt.Errorf("render ticket: %w", err)
		}
		t := domain.Ticket{Key: TicketKey(b.ID, b.Slot.ID), SlotID: b.Slot.ID, IssuedAt: now}
		if err := w.Objects.Put(ctx, t.Key, "application/pdf", pdf); err != nil {
			return err
		}
		h := domain.HistoryEntry{At: now, Action: domain.ActionConfirmed, Actor: domain.ActorSystem, Details: map[string]string{"slotId": b.Slot.ID}}
		if b.Status == domain.StatusConfirmed {
			h.Action = domain.ActionTicketReissued
		}
		err = w.Store.SetTicket(ctx, b, t, h)
		if store.IsStale(err) {
			continue // another delivery won, or the booking changed: read again
		}
		if err != nil {
			return err
		}
		w.Log.InfoContext(ctx, "ticket issued", "action", h.Action, "slotId", b.Slot.ID, "bytes", len(pdf))
		if h.Action == domain.ActionConfirmed {
			return w.tell(ctx, b, notifier.Event{Kind: notify.KindConfirmed, Key: "confirmed"})
		}
		return nil
	}
	return fmt.Errorf("booking %s kept changing: %w", id, domain.ErrUnavailable)
}
