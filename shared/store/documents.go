package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/zapis/zapis/shared/domain"
)

// Documents live in the booking's partition (BOOKING#<id> / DOC#<docId>),
// so GetBooking reads them with the booking; tickets are an attribute of
// the booking item.
const docPrefix = "DOC#"

type documentItem struct {
	PK string `json:"PK"`
	SK string `json:"SK"`
	domain.Document
}

// NewDocumentID returns a random document id.
func NewDocumentID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "doc-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// PutDocument records a new upload (status issued).
func (s *Store) PutDocument(ctx context.Context, d domain.Document) error {
	av, err := marshal(documentItem{PK: bookingPK(d.BookingID), SK: docPrefix + d.ID, Document: d})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return fmt.Errorf("document %s exists: %w", d.ID, domain.ErrConflict)
	}
	return mapErr("put document", err)
}

// GetDocument reads one document of a booking.
func (s *Store) GetDocument(ctx context.Context, bookingID, id string) (domain.Document, error) {
	if id == "" || len(id) > 100 {
		return domain.Document{}, fmt.Errorf("document %q: %w", id, domain.ErrNotFound)
	}
	var d domain.Document
	err := s.get(ctx, "get document", bookingPK(bookingID), docPrefix+id, &d)
	return d, err
}

// errDocumentChanged means the document left the state it was read in.
var errDocumentChanged = errors.New("document changed concurrently")

// IsDocumentChanged reports whether UpdateDocument lost a race on the
// document itself (another worker or request moved it first).
func IsDocumentChanged(err error) bool { return errors.Is(err, errDocumentChanged) }

// UpdateDocument moves d, read in state from, to its new state in one
// transaction with what follows from it: the booking's entry for the type
// when it shows d (guarded by the booking's version), and a history entry
// when h is set. It returns errStale (IsStale) when the booking changed and
// errDocumentChanged when the document did.
func (s *Store) UpdateDocument(ctx context.Context, b domain.Booking, d domain.Document, from domain.DocumentStatus, h *domain.HistoryEntry) error {
	av, err := marshal(documentItem{PK: bookingPK(d.BookingID), SK: docPrefix + d.ID, Document: d})
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression:       aws.String("#st = :from"),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":from": str(string(from))},
	}}}
	token := []string{"document", d.ID, string(from), string(d.Status)}
	if b.Status == domain.StatusPending {
		next := b.WithDocument(d)
		docs, err := marshalList(next.RequiredDocuments)
		if err != nil {
			return err
		}
		at := d.CheckedAt
		if d.Status == domain.DocUploaded {
			at = d.SubmittedAt
		}
		items = append(items, types.TransactWriteItem{Update: versionedBookingUpdate(s.table, b,
			"requiredDocuments = :docs, updatedAt = :at",
			map[string]types.AttributeValue{":docs": docs, ":at": str(at.UTC().Format(time.RFC3339Nano))}, nil)})
		token = append(token, strconv.Itoa(b.Version))
	}
	if h != nil {
		hist, err := historyPut(s.table, b.ID, *h)
		if err != nil {
			return err
		}
		items = append(items, hist)
	}
	codes, err := s.transact(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: requestToken(token...)})
	switch {
	case err == nil:
		return nil
	case reasonAt(codes, 0) == "ConditionalCheckFailed":
		return errDocumentChanged
	case reasonAt(codes, 1) == "ConditionalCheckFailed":
		return errStale
	}
	return mapErr("update document", err)
}

func marshalList[T any](v []T) (types.AttributeValue, error) {
	out := &types.AttributeValueMemberL{Value: make([]types.AttributeValue, 0, len(v))}
	for _, x := range v {
		m, err := marshal(x)
		if err != nil {
			return nil, err
		}
		out.Value = append(out.Value, &types.AttributeValueMemberM{Value: m})
	}
	return out, nil
}

// SetTicket records the booking's confirmation ticket in one transaction:
// a pending booking becomes confirmed (its documents deadline no longer
// applies), a confirmed one gets the ticket for its new slot. Guarded by the
// booking's version; IsStale tells a lost race.
func (s *Store) SetTicket(ctx context.Context, b domain.Booking, t domain.Ticket, h domain.HistoryEntry) error {
	tav, err := marshal(t)
	if err != nil {
		return err
	}
	next := b
	next.Status = domain.StatusConfirmed
	next.Ticket = &t
	items := []types.TransactWriteItem{
		{Update: versionedBookingUpdate(s.table, b, "#st = :conf, ticket = :t, updatedAt = :at", map[string]types.AttributeValue{
			":t": &types.AttributeValueMemberM{Value: tav}, ":at": str(h.At.UTC().Format(time.RFC3339Nano)),
		}, nil)},
	}
	hist, err := historyPut(s.table, b.ID, h)
	if err != nil {
		return err
	}
	items = append(items, hist)
	due, err := s.dueWrites(next, true)
	if err != nil {
		return err
	}
	items = append(items, due...)
	codes, err := s.transact(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: items, ClientRequestToken: requestToken("ticket", b.ID, strconv.Itoa(b.Version), t.SlotID),
	})
	if err == nil {
		return nil
	}
	if reasonAt(codes, 0) == "ConditionalCheckFailed" {
		return errStale
	}
	return mapErr("set ticket", err)
}

// RecordArrival marks a confirmed booking's visitor as arrived.
func (s *Store) RecordArrival(ctx context.Context, b domain.Booking, h domain.HistoryEntry) error {
	hist, err := historyPut(s.table, b.ID, h)
	if err != nil {
		return err
	}
	codes, err := s.transact(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Update: versionedBookingUpdate(s.table, b, "attendance = :arr, updatedAt = :at", map[string]types.AttributeValue{
				":arr": str(domain.AttendanceArrived), ":at": str(h.At.UTC().Format(time.RFC3339Nano)),
			}, nil)},
			hist,
		},
		ClientRequestToken: requestToken("arrival", b.ID, strconv.Itoa(b.Version)),
	})
	if err == nil {
		return nil
	}
	if reasonAt(codes, 0) == "ConditionalCheckFailed" {
		return errStale
	}
	return mapErr("record arrival", err)
}
