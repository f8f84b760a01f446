package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/zapis/zapis/shared/backoff"
	"github.com/zapis/zapis/shared/domain"
)

const (
	skBooking = "BOOKING"
	skGuard   = "GUARD"
	skCode    = "CODE"
	histPrefx = "HIST#"
)

// bookingItem is the booking's main item. History lives in items of its
// own under the same partition, so one Query reads a whole booking.
type bookingItem struct {
	PK      string         `json:"PK"`
	SK      string         `json:"SK"`
	GSI1PK  string         `json:"GSI1PK"`
	GSI1SK  string         `json:"GSI1SK"`
	GSI2PK  string         `json:"GSI2PK"`
	GSI2SK  string         `json:"GSI2SK"`
	Citizen string         `json:"citizen"`
	Ver     int            `json:"version"`
	Armed   time.Time      `json:"armedAt"`
	Ticket  *domain.Ticket `json:"ticket,omitempty"`
	domain.Booking
}

type historyItem struct {
	PK string `json:"PK"`
	SK string `json:"SK"`
	domain.HistoryEntry
}

func bookingPK(id string) string { return "BOOKING#" + id }

func guardPK(citizen, serviceID string) string { return "GUARD#" + citizen + "#" + serviceID }

func codePK(code string) string { return "CODE#" + code }

func citizenGSI(b domain.Booking) (string, string) {
	return "CIT#" + b.CitizenID, b.Slot.Start.UTC().Format(slotKeyLayout) + "#" + b.ID
}

func institutionDayGSI(b domain.Booking) (string, string, error) {
	loc, err := time.LoadLocation(b.Institution.Timezone)
	if err != nil {
		return "", "", fmt.Errorf("booking %s: zone: %w", b.ID, err)
	}
	return "INSTDAY#" + b.Institution.ID + "#" + domain.LocalDate(b.Slot.Start, loc), b.Slot.Start.UTC().Format(slotKeyLayout) + "#" + b.ID, nil
}

func newBookingItem(b domain.Booking) (map[string]types.AttributeValue, error) {
	it := bookingItem{PK: bookingPK(b.ID), SK: skBooking, Citizen: b.CitizenID, Ver: b.Version, Armed: b.ArmedAt, Ticket: b.Ticket, Booking: b}
	it.History = nil
	it.GSI1PK, it.GSI1SK = citizenGSI(b)
	var err error
	if it.GSI2PK, it.GSI2SK, err = institutionDayGSI(b); err != nil {
		return nil, err
	}
	return marshal(it)
}

func (it bookingItem) booking() domain.Booking {
	b := it.Booking
	b.CitizenID = it.Citizen
	b.Version = it.Ver
	b.ArmedAt = it.Armed
	b.Ticket = it.Ticket
	if b.RequiredDocuments == nil {
		b.RequiredDocuments = []domain.BookingDocument{}
	}
	return b
}

func randomSuffix() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// NewBookingID returns a random booking id.
func NewBookingID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "bk-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func historyPut(table, bookingID string, h domain.HistoryEntry) (types.TransactWriteItem, error) {
	item, err := marshal(historyItem{
		PK: bookingPK(bookingID), SK: histPrefx + h.At.UTC().Format(time.RFC3339Nano) + "#" + randomSuffix(),
		HistoryEntry: h,
	})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: item}}, nil
}

// requestToken derives the transaction's ClientRequestToken, so that the
// SDK's own retries of one attempt are applied once by DynamoDB.
func requestToken(parts ...string) *string {
	h := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return aws.String(hex.EncodeToString(h[:])[:36])
}

// cancellationCodes returns the per-item reason codes of a cancelled
// transaction, or nil when err is not one.
func cancellationCodes(err error) []string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes
}

func reasonAt(codes []string, i int) string {
	if i < len(codes) {
		return codes[i]
	}
	return ""
}

func hasConflict(codes []string) bool {
	for _, c := range codes {
		if c == "TransactionConflict" {
			return true
		}
	}
	return false
}

// errCodeTaken means the random booking code already exists: retry with
// another.
var errCodeTaken = errors.New("booking code taken")

// transactRetries bounds the retries of a transaction that lost a conflict
// with a concurrent one on the same item (DynamoDB's TransactionConflict);
// the backoff doubles from 10 ms with full jitter, about a second in all.
const transactRetries = 7

// errConflicted marks a transaction that kept losing conflicts.
var errConflicted = errors.New("transaction kept conflicting")

// transact runs a transaction, retrying conflicts with a jittered backoff.
func (s *Store) transact(ctx context.Context, in *dynamodb.TransactWriteItemsInput) ([]string, error) {
	var err error
	for attempt := range transactRetries {
		_, err = s.db.TransactWriteItems(ctx, in)
		if err == nil {
			return nil, nil
		}
		codes := cancellationCodes(err)
		// Only conflicts means nobody's condition failed: try again.
		if codes == nil || !hasConflict(codes) || !onlyConflicts(codes) {
			return codes, err
		}
		if err := backoff.Wait(ctx, 10*time.Millisecond, attempt, transactRetries); err != nil {
			return codes, err
		}
	}
	return nil, fmt.Errorf("%w: %w: %w", errConflicted, domain.ErrUnavailable, err)
}

func onlyConflicts(codes []string) bool {
	for _, c := range codes {
		if c != "" && c != "None" && c != "TransactionConflict" {
			return false
		}
	}
	return true
}

// fullOr answers for a claim on slotID that kept losing conflicts: under
// heavy contention the losers of a full slot mostly lose conflicts, not
// conditions, so they are told slot_full when it is full, and err otherwise.
func (s *Store) fullOr(ctx context.Context, slotID string, err error) error {
	if sl, gerr := s.GetSlot(ctx, slotID); gerr == nil && sl.Free() == 0 {
		return fmt.Errorf("slot %s: %w", slotID, domain.ErrSlotFull)
	}
	return err
}

// CreateBooking writes a new booking in one transaction: it takes a seat of
// the slot (only while booked < capacity), puts the booking, the citizen's
// guard for the service, the unique code and the first history entry, and,
// when claim is set, completes the idempotency record. Either all of it is
// written or none of it.
func (s *Store) CreateBooking(ctx context.Context, b domain.Booking, claim *IdempotencyClaim) error {
	in, err := s.BookingTransaction(b, claim)
	if err != nil {
		return err
	}
	codes, err := s.transact(ctx, in)
	if err == nil {
		return nil
	}
	if errors.Is(err, errConflicted) {
		return s.fullOr(ctx, b.Slot.ID, err)
	}
	switch {
	case reasonAt(codes, 0) == "ConditionalCheckFailed":
		return fmt.Errorf("slot %s: %w", b.Slot.ID, domain.ErrSlotFull)
	case reasonAt(codes, 2) == "ConditionalCheckFailed":
		return fmt.Errorf("service %s: %w", b.Service.ID, domain.ErrDuplicateBooking)
	case reasonAt(codes, 3) == "ConditionalCheckFailed":
		return errCodeTaken
	case reasonAt(codes, 5) == "ConditionalCheckFailed":
		return fmt.Errorf("idempotency record changed: %w", domain.ErrRequestInProgress)
	}
	return mapErr("create booking", err)
}

// BookingTransaction is the TransactWriteItems input CreateBooking sends;
// benchmarks send it bare to measure what the API adds.
func (s *Store) BookingTransaction(b domain.Booking, claim *IdempotencyClaim) (*dynamodb.TransactWriteItemsInput, error) {
	slotKey := key(slotPK(b.Institution.ID, b.Service.ID), slotSK(b.Slot.Start))
	bookingAV, err := newBookingItem(b)
	if err != nil {
		return nil, err
	}
	guard, err := marshal(map[string]any{"PK": guardPK(b.CitizenID, b.Service.ID), "SK": skGuard, "bookingId": b.ID})
	if err != nil {
		return nil, err
	}
	code, err := marshal(map[string]any{"PK": codePK(b.Code), "SK": skCode, "bookingId": b.ID})
	if err != nil {
		return nil, err
	}
	hist, err := historyPut(s.table, b.ID, b.History[0])
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:                aws.String(s.table),
			Key:                      slotKey,
			UpdateExpression:         aws.String("SET booked = booked + :one"),
			ConditionExpression:      aws.String("attribute_exists(PK) AND booked < #cap"),
			ExpressionAttributeNames: map[string]string{"#cap": "capacity"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":one": &types.AttributeValueMemberN{Value: "1"},
			},
		}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: bookingAV, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: guard, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: code, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		hist,
	}
	token := []string{"create", b.CitizenID, b.ID}
	if claim != nil {
		items = append(items, claim.complete(s.table, b.ID))
		// b.ID too: a retry with a new code is a different transaction.
		token = []string{"create", claim.Citizen, claim.Key, claim.lock, b.ID}
	}
	// After the claim, so the positions above stay fixed.
	due, err := s.dueWrites(b, false)
	if err != nil {
		return nil, err
	}
	items = append(items, due...)
	return &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: requestToken(token...)}, nil
}

// IsCodeTaken reports whether CreateBooking failed only because the random
// code was already used.
func IsCodeTaken(err error) bool { return errors.Is(err, errCodeTaken) }

// GetBooking reads a booking with its whole history in one Query.
func (s *Store) GetBooking(ctx context.Context, id string) (domain.Booking, error) {
	if id == "" || len(id) > 100 {
		return domain.Booking{}, fmt.Errorf("booking %q: %w", id, domain.ErrNotFound)
	}
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(bookingPK(id))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return domain.Booking{}, mapErr("get booking", err)
	}
	var (
		b     domain.Booking
		found bool
		hist  []domain.HistoryEntry
		docs  []domain.Document
	)
	for _, m := range items {
		sk, _ := m["SK"].(*types.AttributeValueMemberS)
		if sk == nil {
			continue
		}
		switch {
		case sk.Value == skBooking:
			var it bookingItem
			if err := unmarshal(m, &it); err != nil {
				return domain.Booking{}, fmt.Errorf("get booking: decode: %w", err)
			}
			b, found = it.booking(), true
		case strings.HasPrefix(sk.Value, histPrefx):
			var h historyItem
			if err := unmarshal(m, &h); err != nil {
				return domain.Booking{}, fmt.Errorf("get booking: history: %w", err)
			}
			hist = append(hist, h.HistoryEntry)
		case strings.HasPrefix(sk.Value, docPrefix):
			var d domain.Document
			if err := unmarshal(m, &d); err != nil {
				return domain.Booking{}, fmt.Errorf("get booking: document: %w", err)
			}
			docs = append(docs, d)
		}
	}
	if !found {
		return domain.Booking{}, fmt.Errorf("booking %s: %w", id, domain.ErrNotFound)
	}
	b.History = hist
	if b.History == nil {
		b.History = []domain.HistoryEntry{}
	}
	slices.SortStableFunc(docs, func(x, y domain.Document) int { return x.CreatedAt.Compare(y.CreatedAt) })
	b.Documents = docs
	return b, nil
}

// BookingIDByCode resolves a booking code (check-in).
func (s *Store) BookingIDByCode(ctx context.Context, code string) (string, error) {
	var it struct {
		BookingID string `json:"bookingId"`
	}
	if err := s.get(ctx, "get code", codePK(code), skCode, &it); err != nil {
		return "", err
	}
	return it.BookingID, nil
}

// versionedBookingUpdate guards an update of a booking read at version v that
// must still be active.
func versionedBookingUpdate(table string, b domain.Booking, set string, values map[string]types.AttributeValue, names map[string]string) *types.Update {
	vals := map[string]types.AttributeValue{
		":v":       &types.AttributeValueMemberN{Value: strconv.Itoa(b.Version)},
		":next":    &types.AttributeValueMemberN{Value: strconv.Itoa(b.Version + 1)},
		":pending": str(string(domain.StatusPending)),
		":conf":    str(string(domain.StatusConfirmed)),
	}
	for k, v := range values {
		vals[k] = v
	}
	n := map[string]string{"#st": "status", "#ver": "version"}
	for k, v := range names {
		n[k] = v
	}
	return &types.Update{
		TableName:                 aws.String(table),
		Key:                       key(bookingPK(b.ID), skBooking),
		UpdateExpression:          aws.String("SET #ver = :next, " + set),
		ConditionExpression:       aws.String("#ver = :v AND #st IN (:pending, :conf)"),
		ExpressionAttributeValues: vals,
		ExpressionAttributeNames:  n,
	}
}

func releaseSeat(table string, institutionID, serviceID string, start time.Time) *types.Update {
	return &types.Update{
		TableName:           aws.String(table),
		Key:                 key(slotPK(institutionID, serviceID), slotSK(start)),
		UpdateExpression:    aws.String("SET booked = booked - :one"),
		ConditionExpression: aws.String("booked > :zero"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": &types.AttributeValueMemberN{Value: "1"}, ":zero": &types.AttributeValueMemberN{Value: "0"},
		},
	}
}

func (s *Store) releaseGuard(b domain.Booking) *types.Delete {
	return &types.Delete{
		TableName:                 aws.String(s.table),
		Key:                       key(guardPK(b.CitizenID, b.Service.ID), skGuard),
		ConditionExpression:       aws.String("bookingId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(b.ID)},
	}
}

// errStale means the booking changed since it was read: read it again and
// re-check the rules.
var errStale = errors.New("booking changed concurrently")

// IsStale reports whether an update lost a race with another update of the
// same booking; the caller re-reads and decides again.
func IsStale(err error) bool { return errors.Is(err, errStale) }

// EndBooking moves an active booking to a final status (cancelled,
// completed, no_show) in one transaction: the status, the freed seat (for a
// cancellation), the released guard and the history entry.
func (s *Store) EndBooking(ctx context.Context, b domain.Booking, status domain.BookingStatus, h domain.HistoryEntry) error {
	hist, err := historyPut(s.table, b.ID, h)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{
		{Update: versionedBookingUpdate(s.table, b, "#st = :status, updatedAt = :at", map[string]types.AttributeValue{
			":status": str(string(status)), ":at": str(h.At.UTC().Format(time.RFC3339Nano)),
		}, nil)},
		{Delete: s.releaseGuard(b)},
		hist,
	}
	if status == domain.StatusCancelled {
		items = append(items, types.TransactWriteItem{Update: releaseSeat(s.table, b.Institution.ID, b.Service.ID, b.Slot.Start)})
	}
	ended := b
	ended.Status = status
	due, err := s.dueWrites(ended, true)
	if err != nil {
		return err
	}
	items = append(items, due...)
	codes, err := s.transact(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: items, ClientRequestToken: requestToken("end", b.ID, strconv.Itoa(b.Version)),
	})
	if err == nil {
		return nil
	}
	if reasonAt(codes, 0) == "ConditionalCheckFailed" {
		return errStale
	}
	return mapErr("end booking", err)
}

// RescheduleBooking moves b to slot in one transaction: the old seat is freed
// and the new one claimed (only while it has room), the booking and its
// index keys move, and history records from and to.
func (s *Store) RescheduleBooking(ctx context.Context, b domain.Booking, to domain.Slot, deadline time.Time, h domain.HistoryEntry, claim *IdempotencyClaim) error {
	moved := b
	moved.Slot = domain.SlotRef{ID: to.ID, Start: to.Start.UTC(), End: to.End.UTC()}
	moved.DocumentsDeadline = deadline.UTC()
	moved.ArmedAt = h.At.UTC()
	_, gsi1sk := citizenGSI(moved)
	gsi2pk, gsi2sk, err := institutionDayGSI(moved)
	if err != nil {
		return err
	}
	slotAV, err := marshal(moved.Slot)
	if err != nil {
		return err
	}
	hist, err := historyPut(s.table, b.ID, h)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{
		{Update: versionedBookingUpdate(s.table, b,
			"#slot = :slot, GSI1SK = :g1sk, GSI2PK = :g2pk, GSI2SK = :g2sk, documentsDeadline = :dl, updatedAt = :at, armedAt = :at",
			map[string]types.AttributeValue{
				":slot": &types.AttributeValueMemberM{Value: slotAV}, ":g1sk": str(gsi1sk), ":g2pk": str(gsi2pk), ":g2sk": str(gsi2sk),
				":dl": str(deadline.UTC().Format(time.RFC3339Nano)), ":at": str(h.At.UTC().Format(time.RFC3339Nano)),
			}, map[string]string{"#slot": "slot"})},
		{Update: releaseSeat(s.table, b.Institution.ID, b.Service.ID, b.Slot.Start)},
		{Update: &types.Update{
			TableName:                aws.String(s.table),
			Key:                      key(slotPK(to.InstitutionID, to.ServiceID), slotSK(to.Start)),
			UpdateExpression:         aws.String("SET booked = booked + :one"),
			ConditionExpression:      aws.String("attribute_exists(PK) AND booked < #cap"),
			ExpressionAttributeNames: map[string]string{"#cap": "capacity"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":one": &types.AttributeValueMemberN{Value: "1"},
			},
		}},
		hist,
	}
	token := []string{"reschedule", b.ID, strconv.Itoa(b.Version), to.ID}
	if claim != nil {
		items = append(items, claim.complete(s.table, b.ID))
		token = append(token, claim.lock)
	}
	// Reminders are re-armed for the new time, even if they went out for
	// the old one; so is the documents deadline.
	due, err := s.dueWrites(moved, true)
	if err != nil {
		return err
	}
	items = append(items, due...)
	codes, err := s.transact(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: requestToken(token...)})
	if err == nil {
		return nil
	}
	if errors.Is(err, errConflicted) {
		return s.fullOr(ctx, to.ID, err)
	}
	switch {
	case reasonAt(codes, 0) == "ConditionalCheckFailed":
		return errStale
	case reasonAt(codes, 2) == "ConditionalCheckFailed":
		return fmt.Errorf("slot %s: %w", to.ID, domain.ErrSlotFull)
	case reasonAt(codes, 4) == "ConditionalCheckFailed":
		return fmt.Errorf("idempotency record changed: %w", domain.ErrRequestInProgress)
	}
	return mapErr("reschedule booking", err)
}

// BookingPage is one page of a booking list.
type BookingPage struct {
	Items     []domain.Booking
	NextToken string
}

// ListCitizenBookings lists a citizen's bookings by slot start, one Query a
// page on the ByCitizen index.
func (s *Store) ListCitizenBookings(ctx context.Context, citizen string, filter domain.StatusFilter, limit int, next string) (BookingPage, error) {
	return s.listIndex(ctx, IndexByCitizen, "GSI1PK", "CIT#"+citizen, filter, limit, next)
}

// ListInstitutionDay lists an institution's bookings of one local day.
func (s *Store) ListInstitutionDay(ctx context.Context, institutionID, date string, limit int, next string) (BookingPage, error) {
	return s.listIndex(ctx, IndexByInstitutionDay, "GSI2PK", "INSTDAY#"+institutionID+"#"+date, "", limit, next)
}

func (s *Store) listIndex(ctx context.Context, index, pkName, pk string, filter domain.StatusFilter, limit int, next string) (BookingPage, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String(pkName + " = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}
	start, err := decodeCursor(next, pkName, pk)
	if err != nil {
		return BookingPage{}, err
	}
	in.ExclusiveStartKey = start
	var page BookingPage
	// The status filter is applied here rather than as a FilterExpression so
	// that a page is always full when more items exist.
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return BookingPage{}, mapErr("list bookings", err)
		}
		for _, m := range out.Items {
			var it bookingItem
			if err := unmarshal(m, &it); err != nil {
				return BookingPage{}, fmt.Errorf("list bookings: decode: %w", err)
			}
			b := it.booking()
			if !filter.Matches(b.Status) {
				continue
			}
			page.Items = append(page.Items, b)
			if len(page.Items) == limit {
				page.NextToken = encodeCursor(map[string]string{"PK": it.PK, "SK": it.SK, pkName: pk, strings.Replace(pkName, "PK", "SK", 1): sortKeyOf(it, pkName)})
				return page, nil
			}
		}
		if out.LastEvaluatedKey == nil {
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func sortKeyOf(it bookingItem, pkName string) string {
	if pkName == "GSI1PK" {
		return it.GSI1SK
	}
	return it.GSI2SK
}

// PutProfile stores the citizen's profile.
func (s *Store) PutProfile(ctx context.Context, citizen string, p domain.Profile) error {
	item, err := marshal(struct {
		PK string `json:"PK"`
		SK string `json:"SK"`
		domain.Profile
	}{"CIT#" + citizen, "PROFILE", p})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item})
	return mapErr("put profile", err)
}

// GetProfile reads the citizen's profile; domain.ErrNotFound when none.
func (s *Store) GetProfile(ctx context.Context, citizen string) (domain.Profile, error) {
	var it struct {
		domain.Profile
	}
	if err := s.get(ctx, "get profile", "CIT#"+citizen, "PROFILE", &it); err != nil {
		return domain.Profile{}, err
	}
	return it.Profile, nil
}
