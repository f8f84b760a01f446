package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/logging"
	"github.com/zapis/zapis/shared/metrics"
	"github.com/zapis/zapis/shared/notifier"
	"github.com/zapis/zapis/shared/notify"
	"github.com/zapis/zapis/shared/store"
)

// RemindLookback is how far back a reminder run looks for markers it has
// not handled (they are deleted when sent): runs that failed for longer
// than this are caught up by invoking the function for the missed times.
const RemindLookback = 6 * time.Hour

// ReminderSummary is what a reminder run did.
type ReminderSummary struct {
	Time       time.Time `json:"time"`
	Due        int       `json:"due"`
	Sent       int       `json:"sent"` // messages published
	Suppressed int       `json:"suppressed"`
	Failed     int       `json:"failed"`  // publishes that failed (retried later)
	Skipped    int       `json:"skipped"` // cancelled, already sent by another run, or no longer due
	Queries    int       `json:"queries"`
	ItemsRead  int       `json:"itemsRead"`
	Retried    int       `json:"retried"` // earlier failures published now
	// RetryItemsRead counts the retry markers read, apart from ItemsRead
	// (the reminders' own markers).
	RetryItemsRead int `json:"retryItemsRead"`
}

// Remind24h and Remind1h are the scheduled reminders: at the event's time
// T they send every reminder due by T, once, for active bookings that start
// in (T, T+24h] (or (T, T+1h]) and already had that time when the reminder
// fell due.
func (w *Worker) Remind24h(ctx context.Context, ev events.EventBridgeEvent) (ReminderSummary, error) {
	return w.remind(ctx, ev, domain.DueRemind24h)
}

func (w *Worker) Remind1h(ctx context.Context, ev events.EventBridgeEvent) (ReminderSummary, error) {
	return w.remind(ctx, ev, domain.DueRemind1h)
}

func (w *Worker) remind(ctx context.Context, ev events.EventBridgeEvent, kind domain.DueKind) (ReminderSummary, error) {
	now := ev.Time.UTC()
	sum := ReminderSummary{Time: now}
	if now.IsZero() {
		return sum, errors.New("scheduled event without time")
	}
	ctx = logging.With(ctx, slog.String("operation", "Remind"), slog.String("kind", string(kind)), slog.String("eventId", ev.ID))
	due, scan, err := w.Store.DueBetween(ctx, kind, now.Add(-RemindLookback), now)
	sum.Due, sum.Queries, sum.ItemsRead = len(due), scan.Queries, scan.ItemsRead
	if err != nil {
		return sum, err
	}
	var errs []error
	for _, d := range due {
		dctx := logging.With(ctx, slog.String("bookingId", d.BookingID))
		if err := w.remindOne(dctx, d, kind, now, &sum); err != nil {
			w.Log.WarnContext(dctx, "reminder", "error", err.Error())
			errs = append(errs, err)
		}
	}
	// Every run also retries earlier publishes that failed.
	retry, rscan, err := w.Notifier.Retry(ctx, now, RemindLookback)
	sum.RetryItemsRead = rscan.ItemsRead
	sum.Retried = retry.Published
	sum.Queries += rscan.Queries
	if err != nil {
		errs = append(errs, err)
	}
	w.Log.InfoContext(ctx, "reminder run", "due", sum.Due, "sent", sum.Sent, "suppressed", sum.Suppressed, "skipped", sum.Skipped, "failed", sum.Failed, "itemsRead", sum.ItemsRead, "retried", sum.Retried)
	return sum, errors.Join(errs...)
}

func (w *Worker) remindOne(ctx context.Context, d store.Due, kind domain.DueKind, now time.Time, sum *ReminderSummary) error {
	b, err := w.Store.GetBooking(ctx, d.BookingID)
	if errors.Is(err, domain.ErrNotFound) {
		sum.Skipped++
		_, err = w.Store.ClearDue(ctx, d)
		return err
	}
	if err != nil {
		return err
	}
	start := b.Slot.Start
	if !b.Status.Active() || !start.After(now) || start.After(now.Add(kind.Lead())) {
		// Cancelled, or the visit has begun: nothing to remind of. (A
		// moved booking's marker was rewritten and is not this one.)
		sum.Skipped++
		_, err = w.Store.ClearDue(ctx, d)
		return err
	}
	nk := notify.KindReminder24h
	if kind == domain.DueRemind1h {
		nk = notify.KindReminder1h
	}
	res, err := w.Notifier.Notify(ctx, b, notifier.Event{Kind: nk, Key: strconv.FormatInt(d.At.Unix(), 10), Consume: &d, At: now})
	if err != nil {
		return err
	}
	if res.Duplicate {
		sum.Skipped++ // another run took this marker first
		return nil
	}
	metrics.Count(metrics.RemindersSent, res.Published)
	sum.Sent += res.Published
	sum.Suppressed += res.Suppressed
	sum.Failed += res.Failed
	return nil
}
