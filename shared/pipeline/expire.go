package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/logging"
	"github.com/zapis/zapis/shared/notifier"
	"github.com/zapis/zapis/shared/notify"
	"github.com/zapis/zapis/shared/store"
)

// ExpireLookback is how far back an expiry run looks for deadlines it has
// not handled: markers are deleted once handled, so older buckets are
// empty unless runs failed for that long (seven hour-bucket Queries a run).
// After a longer outage, invoke the function with events for the missed
// times to catch up.
const ExpireLookback = 6 * time.Hour

// ExpirySummary is what an expiry run did.
type ExpirySummary struct {
	Time      time.Time `json:"time"`
	Due       int       `json:"due"`
	Expired   int       `json:"expired"`
	Requeued  int       `json:"requeued"` // ready but never confirmed: sent again
	Cleared   int       `json:"cleared"`  // markers that no longer applied
	Queries   int       `json:"queries"`
	ItemsRead int       `json:"itemsRead"`
	Failed    int       `json:"failed"`
}

// ExpirePending is the scheduled expiry: "now" is the event's time, so a run
// can be replayed for any instant. It cancels pending bookings whose
// mandatory documents were not all accepted by their deadline, freeing the
// seat and recording `expired`; confirmed bookings are never touched.
func (w *Worker) ExpirePending(ctx context.Context, ev events.EventBridgeEvent) (ExpirySummary, error) {
	now := ev.Time.UTC()
	sum := ExpirySummary{Time: now}
	if now.IsZero() {
		return sum, errors.New("scheduled event without time")
	}
	ctx = logging.With(ctx, slog.String("operation", "ExpirePending"), slog.String("eventId", ev.ID))
	due, scan, err := w.Store.DueBetween(ctx, domain.DueExpire, now.Add(-ExpireLookback), now)
	sum.Due, sum.Queries, sum.ItemsRead = len(due), scan.Queries, scan.ItemsRead
	if err != nil {
		return sum, err
	}
	var errs []error
	for _, d := range due {
		dctx := logging.With(ctx, slog.String("bookingId", d.BookingID))
		if err := w.expireOne(dctx, d, now, &sum); err != nil {
			sum.Failed++
			w.Log.WarnContext(dctx, "expire booking", "error", err.Error())
			errs = append(errs, err)
		}
	}
	w.Log.InfoContext(ctx, "expiry run", "due", sum.Due, "expired", sum.Expired, "requeued", sum.Requeued, "cleared", sum.Cleared, "itemsRead", sum.ItemsRead, "failed", sum.Failed)
	// A failed item keeps its marker; the next run (or a retry of this
	// one) picks it up again.
	return sum, errors.Join(errs...)
}

func (w *Worker) expireOne(ctx context.Context, d store.Due, now time.Time, sum *ExpirySummary) error {
	for range maxAttempts {
		b, err := w.Store.GetBooking(ctx, d.BookingID)
		if errors.Is(err, domain.ErrNotFound) {
			return w.clear(ctx, d, sum)
		}
		if err != nil {
			return err
		}
		switch {
		case b.Expired(now):
			err := w.Store.EndBooking(ctx, b, domain.StatusCancelled, domain.HistoryEntry{
				At: now, Action: domain.ActionExpired, Actor: domain.ActorSystem,
				Details: map[string]string{"deadline": b.DocumentsDeadline.UTC().Format(time.RFC3339), "slotId": b.Slot.ID},
			})
			if store.IsStale(err) {
				continue // the citizen or a worker changed it: decide again
			}
			if err != nil {
				return err
			}
			sum.Expired++
			w.Log.InfoContext(ctx, "booking expired")
			b.Status = domain.StatusCancelled
			return w.tell(ctx, b, notifier.Event{Kind: notify.KindExpired, Key: "expired"})
		case b.ReadyToConfirm():
			// Every document is in but the booking is still pending: the
			// confirmation request was lost. Ask again; the marker stays
			// until the ticket is made, so this repeats if it fails again.
			if err := w.Confirmations.RequestConfirmation(ctx, b.ID); err != nil {
				return err
			}
			sum.Requeued++
			return nil
		case b.Status == domain.StatusPending && now.Before(b.DocumentsDeadline):
			return nil // moved to a later deadline; its marker was rewritten
		default:
			return w.clear(ctx, d, sum)
		}
	}
	return fmt.Errorf("booking %s kept changing: %w", d.BookingID, domain.ErrUnavailable)
}

func (w *Worker) clear(ctx context.Context, d store.Due, sum *ExpirySummary) error {
	ok, err := w.Store.ClearDue(ctx, d)
	if ok {
		sum.Cleared++
	}
	return err
}
