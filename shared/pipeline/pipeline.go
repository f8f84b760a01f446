// Package pipeline holds the asynchronous functions: the SQS workers that
// check documents and make confirmation tickets, and the scheduled
// expiry of pending bookings. Every step is idempotent: SQS delivers at
// least once and a schedule may run twice for one instant.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/zapis/zapis/shared/logging"
	"github.com/zapis/zapis/shared/notifier"
	"github.com/zapis/zapis/shared/objects"
	"github.com/zapis/zapis/shared/queue"
	"github.com/zapis/zapis/shared/store"
	"github.com/zapis/zapis/shared/ticket"
)

// Worker is what the asynchronous functions depend on. One per process.
type Worker struct {
	Store   *store.Store
	Objects objects.Bucket
	// Confirmations is where the document check sends bookings that are
	// ready, and where the expiry run re-sends ones whose request was lost.
	Confirmations queue.Confirmations
	Signer        ticket.Signer
	// Notifier tells citizens what happened (confirmed, rejected, expired)
	// and sends the reminders.
	Notifier *notifier.Notifier
	Log      *slog.Logger
	Now      func() time.Time
}

// maxAttempts bounds re-reads after a concurrent change of a booking.
const maxAttempts = 4

// errMalformed marks a message that can never succeed; it still fails, so
// that after five receives it rests in the DLQ for a person to look at.
var errMalformed = errors.New("malformed message")

// batch runs one record at a time and reports the failed ones, so SQS
// redelivers only those (ReportBatchItemFailures).
func (w *Worker) batch(ctx context.Context, ev events.SQSEvent, op string, one func(context.Context, events.SQSMessage) error) events.SQSEventResponse {
	var resp events.SQSEventResponse
	attrs := []slog.Attr{slog.String("operation", op)}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		attrs = append(attrs, slog.String("lambdaRequestId", lc.AwsRequestID))
	}
	ctx = logging.With(ctx, attrs...)
	for _, rec := range ev.Records {
		rctx := logging.With(ctx, slog.String("messageId", rec.MessageId), slog.String("receiveCount", rec.Attributes["ApproximateReceiveCount"]))
		if err := w.safely(rctx, rec, one); err != nil {
			level := slog.LevelWarn
			if errors.Is(err, errMalformed) {
				level = slog.LevelError
			}
			w.Log.Log(rctx, level, "message failed; SQS will redeliver it", "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		}
	}
	w.Log.InfoContext(ctx, "batch done", "records", len(ev.Records), "failed", len(resp.BatchItemFailures))
	return resp
}

// safely turns a panic on one record into that record's failure.
func (w *Worker) safely(ctx context.Context, rec events.SQSMessage, one func(context.Context, events.SQSMessage) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return one(ctx, rec)
}

func decode[T any](rec events.SQSMessage, valid func(T) bool) (T, error) {
	var m T
	if err := json.Unmarshal([]byte(rec.Body), &m); err != nil || !valid(m) {
		return m, fmt.Errorf("%w: %d bytes", errMalformed, len(rec.Body))
	}
	return m, nil
}
