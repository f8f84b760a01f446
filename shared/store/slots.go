package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/zapis/zapis/shared/domain"
)

// slotKeyLayout is the sort key of a slot: its start in UTC, so that a range
// of local days is one key range.
const slotKeyLayout = "2006-01-02T15:04Z"

// MaxSlotsPerWrite is how many slots CreateSlots writes at once: the item
// limit of one TransactWriteItems call.
const MaxSlotsPerWrite = 100

type slotItem struct {
	PK       string `json:"PK"`
	SK       string `json:"SK"`
	ID       string `json:"id"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Capacity int    `json:"capacity"`
	Booked   int    `json:"booked"`
}

func slotPK(institutionID, serviceID string) string {
	return "SLOTS#" + institutionID + "#" + serviceID
}

func slotSK(start time.Time) string { return start.UTC().Format(slotKeyLayout) }

func newSlotItem(sl domain.Slot) slotItem {
	return slotItem{
		PK: slotPK(sl.InstitutionID, sl.ServiceID), SK: slotSK(sl.Start), ID: sl.ID,
		Start: sl.Start.UTC().Format(time.RFC3339), End: sl.End.UTC().Format(time.RFC3339),
		Capacity: sl.Capacity, Booked: sl.Booked,
	}
}

func (it slotItem) slot(institutionID, serviceID string) (domain.Slot, error) {
	start, err := time.Parse(time.RFC3339, it.Start)
	if err != nil {
		return domain.Slot{}, fmt.Errorf("slot %s: start: %w", it.ID, err)
	}
	end, err := time.Parse(time.RFC3339, it.End)
	if err != nil {
		return domain.Slot{}, fmt.Errorf("slot %s: end: %w", it.ID, err)
	}
	return domain.Slot{ID: it.ID, InstitutionID: institutionID, ServiceID: serviceID, Start: start, End: end, Capacity: it.Capacity, Booked: it.Booked}, nil
}

// CreateSlot stores sl unless a slot with the same key exists; created says
// which. Re-running a generation therefore never resets booked seats.
func (s *Store) CreateSlot(ctx context.Context, sl domain.Slot) (created bool, err error) {
	item, err := marshal(newSlotItem(sl))
	if err != nil {
		return false, fmt.Errorf("create slot: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, mapErr("create slot", err)
	}
	return true, nil
}

// SlotsExistError says which slots of a CreateSlots call (indexes into its
// argument) already existed when the transaction ran. It is a
// domain.ErrConflict: the caller checked for them, so another writer got
// there in between.
type SlotsExistError struct {
	Indexes []int
}

func (e *SlotsExistError) Error() string {
	parts := make([]string, len(e.Indexes))
	for i, idx := range e.Indexes {
		parts[i] = strconv.Itoa(idx)
	}
	return "slots already exist: " + strings.Join(parts, ", ")
}

func (e *SlotsExistError) Is(target error) bool { return target == domain.ErrConflict }

// CreateSlots writes all of slots or none of them, in one TransactWriteItems
// whose every Put requires that no slot has the same key. When one exists
// nothing is written and the error is a *SlotsExistError. At most
// MaxSlotsPerWrite slots. The SDK gives each call a ClientRequestToken, so
// its own retries cannot turn a success into a conflict.
func (s *Store) CreateSlots(ctx context.Context, slots []domain.Slot) error {
	if len(slots) == 0 {
		return nil
	}
	if len(slots) > MaxSlotsPerWrite {
		return fmt.Errorf("create slots: %d slots, at most %d per call", len(slots), MaxSlotsPerWrite)
	}
	items := make([]types.TransactWriteItem, 0, len(slots))
	for _, sl := range slots {
		item, err := marshal(newSlotItem(sl))
		if err != nil {
			return fmt.Errorf("create slots: %w", err)
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName:           aws.String(s.table),
			Item:                item,
			ConditionExpression: aws.String("attribute_not_exists(PK)"),
		}})
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	var err error
	for attempt := range createSlotsAttempts {
		if attempt > 0 {
			// A cancelled transaction wrote nothing, so trying again is
			// safe; the jitter lets the competing writer finish.
			select {
			case <-time.After(time.Duration(25+rand.IntN(75)) * time.Millisecond * time.Duration(attempt)):
			case <-ctx.Done():
				return mapErr("create slots", ctx.Err())
			}
		}
		_, err = s.db.TransactWriteItems(ctx, in)
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return mapErr("create slots", err)
		}
		var exist []int
		for i, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" {
				exist = append(exist, i)
			}
		}
		if len(exist) > 0 {
			return &SlotsExistError{Indexes: exist}
		}
		// Cancelled for a transient reason: another transaction on one of
		// the items (a concurrent create of the same slot), throttling.
	}
	return fmt.Errorf("create slots: %w: %w", domain.ErrUnavailable, err)
}

// createSlotsAttempts bounds the tries of a transaction cancelled for a
// transient reason; the next try usually gets a definite answer.
const createSlotsAttempts = 3

// GetSlot reads one slot by id; domain.ErrNotFound when it does not exist.
func (s *Store) GetSlot(ctx context.Context, id string) (domain.Slot, error) {
	inst, svc, start, err := domain.ParseSlotID(id)
	if err != nil {
		return domain.Slot{}, err
	}
	var it slotItem
	if err := s.get(ctx, "get slot", slotPK(inst, svc), slotSK(start), &it); err != nil {
		return domain.Slot{}, err
	}
	return it.slot(inst, svc)
}

// ListSlots returns the slots of a service at an institution starting in
// [from, to), in start order, with one Query (eventually consistent: for
// showing free times).
func (s *Store) ListSlots(ctx context.Context, institutionID, serviceID string, from, to time.Time) ([]domain.Slot, error) {
	return s.listSlots(ctx, institutionID, serviceID, from, to, false)
}

// ListSlotsConsistent is ListSlots with a strongly consistent read, for
// checks that precede a write (overlaps): it sees every slot written before
// the call.
func (s *Store) ListSlotsConsistent(ctx context.Context, institutionID, serviceID string, from, to time.Time) ([]domain.Slot, error) {
	return s.listSlots(ctx, institutionID, serviceID, from, to, true)
}

func (s *Store) listSlots(ctx context.Context, institutionID, serviceID string, from, to time.Time, consistent bool) ([]domain.Slot, error) {
	if !hasKeys(from, to) {
		return []domain.Slot{}, nil
	}
	in := slotQuery(s.table, institutionID, serviceID, from, to)
	in.ConsistentRead = aws.Bool(consistent)
	items, err := s.queryAll(ctx, in)
	if err != nil {
		return nil, mapErr("list slots", err)
	}
	out := make([]domain.Slot, 0, len(items))
	for _, m := range items {
		sl, err := decodeSlot(m, institutionID, serviceID)
		if err != nil {
			return nil, err
		}
		out = append(out, sl)
	}
	return out, nil
}

// FreeSlots yields, in start order, the slots of a service starting in
// [from, to) that have a free seat. It reads small pages and stops as soon
// as yield returns false, so a caller looking for the next few free days
// reads only as far as it needs.
func (s *Store) FreeSlots(ctx context.Context, institutionID, serviceID string, from, to time.Time) iter.Seq2[domain.Slot, error] {
	return func(yield func(domain.Slot, error) bool) {
		if !hasKeys(from, to) {
			return
		}
		in := slotQuery(s.table, institutionID, serviceID, from, to)
		in.FilterExpression = aws.String("booked < #cap")
		in.ExpressionAttributeNames = map[string]string{"#cap": "capacity"}
		in.Limit = aws.Int32(200)
		p := dynamodb.NewQueryPaginator(s.db, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(domain.Slot{}, mapErr("free slots", err))
				return
			}
			for _, m := range page.Items {
				sl, err := decodeSlot(m, institutionID, serviceID)
				if !yield(sl, err) || err != nil {
					return
				}
			}
		}
	}
}

// hasKeys reports whether [from, to) holds a slot key: DynamoDB rejects
// a BETWEEN whose bounds are reversed.
func hasKeys(from, to time.Time) bool {
	return slotSK(from) <= slotSK(to.Add(-time.Minute))
}

// slotQuery selects the slots of one institution and service that start in
// [from, to).
func slotQuery(table, institutionID, serviceID string, from, to time.Time) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:              aws.String(table),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   str(slotPK(institutionID, serviceID)),
			":from": str(slotSK(from)),
			// The key has minute precision: the last minute before `to`.
			":to": str(slotSK(to.Add(-time.Minute))),
		},
	}
}

func decodeSlot(m map[string]types.AttributeValue, institutionID, serviceID string) (domain.Slot, error) {
	var it slotItem
	if err := unmarshal(m, &it); err != nil {
		return domain.Slot{}, fmt.Errorf("slots: decode: %w", err)
	}
	return it.slot(institutionID, serviceID)
}
