// Package queue is the SQS adapter of the asynchronous pipeline: the
// messages the API and the workers exchange, and the sender that queues
// them. Consumers are SQS-triggered Lambdas (shared/pipeline).
package queue

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/zapis/zapis/shared/domain"
)

// DocumentCheck asks the document-check worker to check one upload.
type DocumentCheck struct {
	BookingID  string `json:"bookingId"`
	DocumentID string `json:"documentId"`
}

// Confirmation asks the confirmation worker to make a booking's ticket.
type Confirmation struct {
	BookingID string `json:"bookingId"`
}

// Sender sends JSON messages to one queue.
type Sender struct {
	Client *sqs.Client
	URL    string
}

// Send queues msg. The message kind goes in an attribute so a DLQ can be
// read without decoding bodies.
func (s Sender) Send(ctx context.Context, kind string, msg any) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	_, err = s.Client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(s.URL),
		MessageBody: aws.String(string(body)),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"kind": {DataType: aws.String("String"), StringValue: aws.String(kind)},
		},
	})
	if err != nil {
		// The caller's state is written; a retry of the request re-sends.
		return fmt.Errorf("send %s: %w: %w", kind, domain.ErrUnavailable, err)
	}
	return nil
}

// Confirmations queues confirmation requests; it implements the API's
// Confirmer.
type Confirmations struct{ Sender }

// RequestConfirmation queues the ticket of bookingID.
func (c Confirmations) RequestConfirmation(ctx context.Context, bookingID string) error {
	return c.Send(ctx, "confirmation", Confirmation{BookingID: bookingID})
}

// DocumentChecks queues document checks.
type DocumentChecks struct{ Sender }

// RequestCheck queues the check of one document.
func (d DocumentChecks) RequestCheck(ctx context.Context, bookingID, documentID string) error {
	return d.Send(ctx, "document_check", DocumentCheck{BookingID: bookingID, DocumentID: documentID})
}
