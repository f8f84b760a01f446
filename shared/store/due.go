package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/zapis/zapis/shared/domain"
)

// Due markers: one item per booking and kind (BOOKING#<id> / DUE#<kind>),
// indexed by ByDue under DUE#<kind>#<UTC hour> / <dueAt>#<id>. A schedule run
// queries only the hour buckets of its window, so what it reads is what is
// due, whatever the size of the table. A marker is deleted when its work is
// done or no longer applies, and rewritten when the booking moves.
const (
	duePrefix     = "DUE#"
	dueHourLayout = "2006-01-02T15"
	dueAtLayout   = "2006-01-02T15:04:05Z"
)

// Due is one marker: the kind of work on a booking and when it falls due.
type Due struct {
	BookingID string         `json:"bookingId"`
	Kind      domain.DueKind `json:"kind"`
	At        time.Time      `json:"dueAt"`
}

type dueItem struct {
	PK     string `json:"PK"`
	SK     string `json:"SK"`
	GSI3PK string `json:"GSI3PK"`
	GSI3SK string `json:"GSI3SK"`
	Due
}

// dueSecond rounds up to the second: markers keep second precision, and a
// marker must never fall due before its deadline.
func dueSecond(t time.Time) time.Time {
	t = t.UTC()
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second)
	}
	return t
}

func dueBucket(kind domain.DueKind, t time.Time) string {
	return duePrefix + string(kind) + "#" + t.UTC().Format(dueHourLayout)
}

func dueKey(bookingID string, kind domain.DueKind) map[string]types.AttributeValue {
	return key(bookingPK(bookingID), duePrefix+string(kind))
}

// dueWrites returns the transaction items that make b's markers match
// b.DueTimes(): a put for each due kind and, when clear is set, a delete for
// each kind that no longer applies.
func (s *Store) dueWrites(b domain.Booking, clear bool) ([]types.TransactWriteItem, error) {
	times := b.DueTimes()
	var items []types.TransactWriteItem
	for _, k := range domain.DueKinds {
		at, ok := times[k]
		if !ok {
			if clear {
				items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: dueKey(b.ID, k)}})
			}
			continue
		}
		put, err := s.duePut(b.ID, k, at)
		if err != nil {
			return nil, err
		}
		items = append(items, put)
	}
	return items, nil
}

// duePut writes (or moves) the marker of kind for a booking to at.
func (s *Store) duePut(bookingID string, k domain.DueKind, at time.Time) (types.TransactWriteItem, error) {
	at = dueSecond(at)
	av, err := marshal(dueItem{
		PK: bookingPK(bookingID), SK: duePrefix + string(k),
		GSI3PK: dueBucket(k, at), GSI3SK: at.Format(dueAtLayout) + "#" + bookingID,
		Due: Due{BookingID: bookingID, Kind: k, At: at},
	})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av}}, nil
}

// dueDelete deletes d's marker in a transaction, only while it is still the
// same marker (a reschedule may have rewritten it).
func (s *Store) dueDelete(d Due) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName:                 aws.String(s.table),
		Key:                       dueKey(d.BookingID, d.Kind),
		ConditionExpression:       aws.String("dueAt = :at"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(dueSecond(d.At).Format(time.RFC3339Nano))},
	}}
}

// DueScan is what a due query read, for the schedules' summaries and the
// benchmarks: items read versus items returned.
type DueScan struct {
	Queries   int
	ItemsRead int
}

// DueBetween returns the markers of kind due in (after, upTo], oldest first:
// one Query per UTC hour bucket of the window on the ByDue index.
func (s *Store) DueBetween(ctx context.Context, kind domain.DueKind, after, upTo time.Time) ([]Due, DueScan, error) {
	var (
		out  []Due
		scan DueScan
	)
	after, upTo = after.UTC(), upTo.UTC()
	if !upTo.After(after) {
		return nil, scan, nil
	}
	lo := dueSecond(after.Add(time.Nanosecond)).Format(dueAtLayout)
	hi := upTo.Truncate(time.Second).Format(dueAtLayout) + "#~" // '~' sorts after every id
	for h := after.Truncate(time.Hour); !h.After(upTo); h = h.Add(time.Hour) {
		p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
			TableName:              aws.String(s.table),
			IndexName:              aws.String(IndexByDue),
			KeyConditionExpression: aws.String("GSI3PK = :b AND GSI3SK BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":b": str(dueBucket(kind, h)), ":lo": str(lo), ":hi": str(hi),
			},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, scan, mapErr("query due", err)
			}
			scan.Queries++
			// Not every engine reports ScannedCount; without a filter it
			// equals Count.
			scan.ItemsRead += int(max(page.ScannedCount, page.Count))
			for _, m := range page.Items {
				var it dueItem
				if err := unmarshal(m, &it); err != nil {
					return nil, scan, fmt.Errorf("query due: decode: %w", err)
				}
				out = append(out, it.Due)
			}
		}
	}
	return out, scan, nil
}

// ClearDue deletes a marker whose work is done or moot; it reports false
// when the marker is gone or was rewritten meanwhile.
func (s *Store) ClearDue(ctx context.Context, d Due) (bool, error) {
	del := s.dueDelete(d).Delete
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: del.TableName, Key: del.Key,
		ConditionExpression: del.ConditionExpression, ExpressionAttributeValues: del.ExpressionAttributeValues,
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, mapErr("clear due", err)
	}
	return true, nil
}
