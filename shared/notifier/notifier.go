// Package notifier tells citizens about their bookings through SNS: it
// records each notification in the booking's journal, publishes one message
// per enabled channel to the notifications topic (attributes channel and
// kind, for the subscriptions' filter policies), and retries what failed.
package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/metrics"
	"github.com/zapis/zapis/shared/notify"
	"github.com/zapis/zapis/shared/store"
)

// Notifier publishes notifications. One per process.
type Notifier struct {
	Store    *store.Store
	SNS      *sns.Client
	TopicARN string
	Log      *slog.Logger
	Now      func() time.Time
}

// RetryAfter is when a notification not yet published is tried again.
const RetryAfter = time.Minute

// Event is something to tell a citizen about.
type Event struct {
	Kind notify.Kind
	// Key tells events of one kind apart (the new slot of a reschedule,
	// the document of a rejection, the due time of a reminder), so that a
	// duplicate of the same event is recorded once.
	Key string
	// Facts beyond the booking's own (previous time, document, reason).
	PreviousStart        time.Time
	DocumentName, Reason string
	// Consume is the due marker a reminder uses up: deleted in the same
	// transaction that records it, so of two runs only one sends it.
	Consume *store.Due
	// At is when it happens: a scheduled run's event time; the clock when
	// zero. A failed publish is retried a minute after it.
	At time.Time
}

// Result counts what Notify did.
type Result struct {
	Published  int  `json:"published"`
	Suppressed int  `json:"suppressed"`
	Failed     int  `json:"failed"`
	Duplicate  bool `json:"duplicate,omitempty"`
}

// message is the SNS message body: what a channel adapter delivers as is.
type message struct {
	BookingID string `json:"bookingId"`
	Kind      string `json:"kind"`
	Channel   string `json:"channel"`
	To        string `json:"to"` // phone (E.164), e-mail, or the citizen id for push
	Subject   string `json:"subject,omitempty"`
	Text      string `json:"text"`
}

// Notify records and publishes ev for booking b on every channel: a
// channel switched off (or a reminder switched off) is journalled as
// suppressed and not published. A failed publish stays in the journal as
// failed and is retried by Retry; it is never dropped.
func (n *Notifier) Notify(ctx context.Context, b domain.Booking, ev Event) (Result, error) {
	var res Result
	settings, err := n.Store.GetSettings(ctx, b.CitizenID)
	if err != nil {
		return res, err
	}
	profile, err := n.Store.GetProfile(ctx, b.CitizenID)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return res, err
	}
	facts := notify.Facts{
		Code: b.Code, ServiceName: b.Service.Name, InstitutionName: b.Institution.Name, Address: b.Institution.Address,
		Timezone: b.Institution.Timezone, Start: b.Slot.Start, PreviousStart: ev.PreviousStart,
		DocumentName: ev.DocumentName, Reason: ev.Reason,
	}
	reminderOn := true
	switch ev.Kind {
	case notify.KindReminder24h:
		reminderOn = settings.Reminder(domain.DueRemind24h)
	case notify.KindReminder1h:
		reminderOn = settings.Reminder(domain.DueRemind1h)
	}
	now := ev.At.UTC()
	if ev.At.IsZero() {
		now = n.Now().UTC()
	}
	var entries []store.Notification
	for _, ch := range notify.Channels {
		e := store.Notification{
			ID: string(ev.Kind) + "#" + ev.Key + "#" + string(ch), BookingID: b.ID, Kind: string(ev.Kind),
			Channel: string(ch), Status: store.NotifPending, At: now,
		}
		to := recipient(ch, profile, b.CitizenID)
		if !reminderOn || !settings.Channel(string(ch)) || to == "" {
			e.Status = store.NotifSuppressed
		} else {
			msg, err := notify.Compose(ev.Kind, ch, facts)
			if err != nil {
				return res, fmt.Errorf("compose %s/%s: %w", ev.Kind, ch, err)
			}
			body, err := json.Marshal(message{BookingID: b.ID, Kind: string(ev.Kind), Channel: string(ch), To: to, Subject: msg.Subject, Text: msg.Text})
			if err != nil {
				return res, err
			}
			e.Message = string(body)
		}
		entries = append(entries, e)
	}
	err = n.Store.RecordNotifications(ctx, entries, ev.Consume, now.Add(RetryAfter))
	if errors.Is(err, store.ErrAlreadyRecorded) {
		res.Duplicate = true
		return res, nil
	}
	if err != nil {
		return res, err
	}
	for _, e := range entries {
		if e.Status == store.NotifSuppressed {
			res.Suppressed++
			continue
		}
		if n.publish(ctx, e, now) {
			res.Published++
		} else {
			res.Failed++
		}
	}
	if res.Failed == 0 && res.Published > 0 {
		// Everything is out: the retry marker has nothing to do.
		if _, err := n.Store.ClearDue(ctx, store.Due{BookingID: b.ID, Kind: domain.DueNotify, At: now.Add(RetryAfter)}); err != nil {
			n.Log.WarnContext(ctx, "clear retry marker", "bookingId", b.ID, "error", err.Error())
		}
	}
	return res, nil
}

// recipient is the address of a channel; push goes to the citizen's
// devices, which the push adapter knows by the citizen id.
func recipient(ch notify.Channel, p domain.Profile, citizen string) string {
	switch ch {
	case notify.SMS:
		return p.Phone
	case notify.Email:
		return p.Email
	}
	return citizen
}

// publish sends one entry and records the outcome; it reports success.
func (n *Notifier) publish(ctx context.Context, e store.Notification, now time.Time) bool {
	out, err := n.SNS.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(n.TopicARN),
		Message:  aws.String(e.Message),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"channel":   {DataType: aws.String("String"), StringValue: aws.String(e.Channel)},
			"kind":      {DataType: aws.String("String"), StringValue: aws.String(e.Kind)},
			"bookingId": {DataType: aws.String("String"), StringValue: aws.String(e.BookingID)},
		},
	})
	e.Attempts++
	e.At = now
	if err != nil {
		e.Status, e.LastError = store.NotifFailed, errorClass(err)
		metrics.Count(metrics.PublishFailures, 1)
		n.Log.WarnContext(ctx, "publish failed; will retry", "bookingId", e.BookingID, "kind", e.Kind, "channel", e.Channel, "attempt", e.Attempts, "error", err.Error())
	} else {
		e.Status, e.MessageID, e.LastError = store.NotifPublished, aws.ToString(out.MessageId), ""
		n.Log.InfoContext(ctx, "notification published", "bookingId", e.BookingID, "kind", e.Kind, "channel", e.Channel, "messageId", e.MessageID)
	}
	if err := n.Store.MarkNotification(ctx, e); err != nil {
		// The retry marker stays, so the next retry publishes it again.
		n.Log.WarnContext(ctx, "record publish outcome", "bookingId", e.BookingID, "error", err.Error())
		return false
	}
	return e.Status == store.NotifPublished
}

// errorClass keeps the journal free of error texts that could carry
// request details: the type of failure is enough.
func errorClass(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "publish_error"
}

// RetrySummary is what a retry pass did.
type RetrySummary struct {
	Bookings  int `json:"bookings"`
	Published int `json:"published"`
	Failed    int `json:"failed"`
}

// Retry publishes the journal entries that are still pending or failed for
// every booking whose retry marker is due at now; a booking with entries
// still failing gets its marker moved on, with a backoff.
func (n *Notifier) Retry(ctx context.Context, now time.Time, lookback time.Duration) (RetrySummary, store.DueScan, error) {
	var sum RetrySummary
	due, scan, err := n.Store.DueBetween(ctx, domain.DueNotify, now.Add(-lookback), now)
	if err != nil {
		return sum, scan, err
	}
	var errs []error
	for _, d := range due {
		sum.Bookings++
		entries, err := n.Store.ListNotifications(ctx, d.BookingID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		left, attempts := 0, 0
		for _, e := range entries {
			if e.Status != store.NotifPending && e.Status != store.NotifFailed {
				continue
			}
			if n.publish(ctx, e, now.UTC()) {
				sum.Published++
			} else {
				sum.Failed++
				left++
				attempts = max(attempts, e.Attempts+1)
			}
		}
		if left == 0 {
			if _, err := n.Store.ClearDue(ctx, d); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		// 1, 2, 4 … minutes, at most an hour between tries.
		backoff := min(RetryAfter<<min(attempts, 6), time.Hour)
		if err := n.Store.SetRetry(ctx, d.BookingID, now.Add(backoff)); err != nil {
			errs = append(errs, err)
		}
	}
	return sum, scan, errors.Join(errs...)
}
