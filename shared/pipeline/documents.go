package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/zapis/zapis/shared/docs"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/logging"
	"github.com/zapis/zapis/shared/metrics"
	"github.com/zapis/zapis/shared/notifier"
	"github.com/zapis/zapis/shared/notify"
	"github.com/zapis/zapis/shared/objects"
	"github.com/zapis/zapis/shared/queue"
	"github.com/zapis/zapis/shared/store"
)

// CheckDocuments is the document-check worker: for each message it reads
// the uploaded object, accepts or rejects it with a reason, and queues the
// booking's confirmation once every mandatory document is accepted.
func (w *Worker) CheckDocuments(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	return w.batch(ctx, ev, "DocumentCheck", w.checkRecord), nil
}

func (w *Worker) checkRecord(ctx context.Context, rec events.SQSMessage) error {
	m, err := decode(rec, func(m queue.DocumentCheck) bool { return m.BookingID != "" && m.DocumentID != "" })
	if err != nil {
		return err
	}
	ctx = logging.With(ctx, slog.String("bookingId", m.BookingID), slog.String("documentId", m.DocumentID))
	return w.checkDocument(ctx, m)
}

func (w *Worker) checkDocument(ctx context.Context, m queue.DocumentCheck) error {
	for range maxAttempts {
		b, err := w.Store.GetBooking(ctx, m.BookingID)
		if errors.Is(err, domain.ErrNotFound) {
			w.Log.WarnContext(ctx, "document check for an unknown booking; dropped")
			return nil
		}
		if err != nil {
			return err
		}
		d, ok := b.Document(m.DocumentID)
		if !ok {
			w.Log.WarnContext(ctx, "document check for an unknown document; dropped")
			return nil
		}
		switch d.Status {
		case domain.DocAccepted, domain.DocRejected:
			// A duplicate delivery, or a retry after the send below failed.
			return w.afterCheck(ctx, b, d)
		case domain.DocIssued:
			w.Log.WarnContext(ctx, "document check before submit; dropped")
			return nil
		case domain.DocUploaded:
			// Claim it, so the citizen sees it being checked; then read again.
			d.Status = domain.DocChecking
			err := w.Store.UpdateDocument(ctx, b, d, domain.DocUploaded, nil)
			if err != nil && !store.IsStale(err) && !store.IsDocumentChanged(err) {
				return err
			}
			continue
		}
		// DocChecking: this delivery checks it (a previous one may have died
		// half-way; checking again gives the same answer).
		reason, size, err := w.inspect(ctx, d)
		if err != nil {
			return err
		}
		d.CheckedAt = w.Now().UTC()
		d.ActualSize = size
		h := domain.HistoryEntry{At: d.CheckedAt, Actor: domain.ActorSystem, Details: map[string]string{"type": d.Type, "documentId": d.ID}}
		if reason == "" {
			d.Status, h.Action = domain.DocAccepted, domain.ActionDocumentAccepted
		} else {
			d.Status, d.Reason, h.Action = domain.DocRejected, reason, domain.ActionDocumentRejected
			h.Details["reason"] = reason
		}
		err = w.Store.UpdateDocument(ctx, b, d, domain.DocChecking, &h)
		if store.IsStale(err) || store.IsDocumentChanged(err) {
			continue
		}
		if err != nil {
			return err
		}
		w.Log.InfoContext(ctx, "document checked", "type", d.Type, "status", d.Status, "reason", d.Reason, "size", size)
		if d.Status == domain.DocRejected {
			metrics.Count(metrics.DocumentsRejected, 1)
		}
		return w.afterCheck(ctx, b.WithDocument(d), d)
	}
	return fmt.Errorf("booking %s kept changing: %w", m.BookingID, domain.ErrUnavailable)
}

// inspect reads the object and returns the rejection reason ("" when it is
// accepted) and its real size. Storage failures are errors: the message is
// retried, never turned into a rejection.
func (w *Worker) inspect(ctx context.Context, d domain.Document) (string, int64, error) {
	obj, err := w.Objects.Open(ctx, d.ObjectKey, docs.MaxSize+1)
	if errors.Is(err, objects.ErrMissing) {
		return domain.ReasonNotUploaded, 0, nil
	}
	if err != nil {
		return "", 0, err
	}
	defer obj.Body.Close()
	// Read it all first (at most MaxSize+1 bytes): a dropped connection is
	// a retry, never a rejection of a good file.
	data, err := io.ReadAll(obj.Body)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w: %w", d.ObjectKey, domain.ErrUnavailable, err)
	}
	ct, ok := docs.ParseContentType(d.ContentType)
	if !ok {
		return domain.ReasonWrongFormat, obj.Size, nil
	}
	reason, detail := docs.Check(ct, obj.Size, bytes.NewReader(data))
	if reason != "" {
		w.Log.InfoContext(ctx, "document rejected", "reason", string(reason), "detail", detail)
	}
	return string(reason), obj.Size, nil
}

// afterCheck queues the confirmation of a booking whose mandatory documents
// are all accepted. Sending twice is harmless: the confirmation worker does
// nothing for a booking that has its ticket.
func (w *Worker) afterCheck(ctx context.Context, b domain.Booking, d domain.Document) error {
	if d.Status == domain.DocRejected && b.Shows(d) {
		e, _ := b.RequiredDocument(d.Type)
		if err := w.tell(ctx, b, notifier.Event{Kind: notify.KindDocumentRejected, Key: d.ID, DocumentName: e.Name, Reason: d.Reason}); err != nil {
			return err
		}
	}
	if !b.ReadyToConfirm() {
		return nil
	}
	return w.Confirmations.RequestConfirmation(ctx, b.ID)
}

// tell notifies the citizen; a duplicate event is recorded once, so a
// redelivered message may call it again safely.
func (w *Worker) tell(ctx context.Context, b domain.Booking, ev notifier.Event) error {
	if w.Notifier == nil {
		return nil
	}
	_, err := w.Notifier.Notify(ctx, b, ev)
	return err
}
