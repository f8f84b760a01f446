package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/zapis/zapis/shared/domain"
)

// batchWriteLimit is DynamoDB's item limit of one BatchWriteItem call.
const batchWriteLimit = 25

// EnsureSlots writes the slots that do not exist yet and leaves existing
// ones (and their booked seats) alone; it returns how many it wrote. It is
// meant for bulk loads with no concurrent writer (the demo seed): one Query
// per institution and service finds what exists, and BatchWriteItem writes
// the rest 25 at a time instead of one conditional put per slot.
func (s *Store) EnsureSlots(ctx context.Context, slots []domain.Slot) (int, error) {
	type group struct{ inst, svc string }
	byGroup := map[group][]domain.Slot{}
	for _, sl := range slots {
		g := group{sl.InstitutionID, sl.ServiceID}
		byGroup[g] = append(byGroup[g], sl)
	}
	var missing []map[string]types.AttributeValue
	for g, list := range byGroup {
		from, to := list[0].Start, list[0].Start
		for _, sl := range list {
			from, to = minTime(from, sl.Start), maxTime(to, sl.Start)
		}
		existing, err := s.ListSlotsConsistent(ctx, g.inst, g.svc, from, to.Add(time.Minute))
		if err != nil {
			return 0, err
		}
		have := make(map[string]bool, len(existing))
		for _, e := range existing {
			have[e.ID] = true
		}
		for _, sl := range list {
			if have[sl.ID] {
				continue
			}
			have[sl.ID] = true
			item, err := marshal(newSlotItem(sl))
			if err != nil {
				return 0, err
			}
			missing = append(missing, item)
		}
	}
	for start := 0; start < len(missing); start += batchWriteLimit {
		end := min(start+batchWriteLimit, len(missing))
		reqs := make([]types.WriteRequest, 0, end-start)
		for _, item := range missing[start:end] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		}
		if err := s.batchWrite(ctx, reqs); err != nil {
			return start, err
		}
	}
	return len(missing), nil
}

// batchWrite writes reqs, resending unprocessed items with a backoff.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	pending := map[string][]types.WriteRequest{s.table: reqs}
	for attempt := 0; len(pending[s.table]) > 0; attempt++ {
		if attempt == 8 {
			return fmt.Errorf("batch write: %d items unprocessed: %w", len(pending[s.table]), domain.ErrUnavailable)
		}
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(1<<attempt) * 10 * time.Millisecond):
			}
		}
		out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return mapErr("batch write", err)
		}
		pending = out.UnprocessedItems
		if pending == nil {
			pending = map[string][]types.WriteRequest{}
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// LoadBookings writes bookings with their history's first entry and their
// due markers, 25 items a call, without seats, guards or codes: a bulk load
// for benchmarks that need a big table, never for real bookings (those go
// through CreateBooking's transaction).
func (s *Store) LoadBookings(ctx context.Context, bookings []domain.Booking) error {
	var reqs []types.WriteRequest
	flush := func(force bool) error {
		for len(reqs) >= batchWriteLimit || (force && len(reqs) > 0) {
			n := min(batchWriteLimit, len(reqs))
			if err := s.batchWrite(ctx, reqs[:n]); err != nil {
				return err
			}
			reqs = reqs[n:]
		}
		return nil
	}
	for _, b := range bookings {
		item, err := newBookingItem(b)
		if err != nil {
			return err
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		due, err := s.dueWrites(b, false)
		if err != nil {
			return err
		}
		for _, d := range due {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: d.Put.Item}})
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	return flush(true)
}
