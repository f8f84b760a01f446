package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/zapis/zapis/shared/domain"
)

// Idempotency keys are kept for 24 hours (API.md). An in-flight claim older
// than staleClaim belongs to a request that died (the function timed out):
// a retry may take it over.
const (
	idempotencyTTL = 24 * time.Hour
	staleClaim     = 60 * time.Second
)

const (
	idemPending = "pending"
	idemDone    = "done"
)

// IdempotencyClaim is this request's hold on an Idempotency-Key.
type IdempotencyClaim struct {
	Citizen string
	Key     string
	lock    string
}

// IdempotencyResult is what an earlier request with the same key left.
type IdempotencyResult struct {
	BookingID string
}

type idemItem struct {
	PK        string `json:"PK"`
	SK        string `json:"SK"`
	Hash      string `json:"hash"`
	State     string `json:"state"`
	Lock      string `json:"lock"`
	LockedAt  int64  `json:"lockedAt"`
	ExpiresAt int64  `json:"expiresAt"`
	TTL       int64  `json:"ttl"`
	BookingID string `json:"bookingId,omitempty"`
}

func idemPK(citizen, key string) string { return "IDEM#" + citizen + "#" + key }

// ClaimIdempotency takes the key for this request. It returns a claim to
// complete inside the business transaction, or the earlier result when the
// same request already succeeded. A different request under the same key is
// domain.ErrIdempotencyConflict; one still running is
// domain.ErrRequestInProgress. Expiry is checked here, never left to TTL,
// which deletes lazily.
func (s *Store) ClaimIdempotency(ctx context.Context, citizen, key, requestHash string, now time.Time) (*IdempotencyClaim, *IdempotencyResult, error) {
	lockBytes := make([]byte, 12)
	_, _ = rand.Read(lockBytes)
	lock := hex.EncodeToString(lockBytes)
	exp := now.Add(idempotencyTTL)
	item, err := marshal(idemItem{
		PK: idemPK(citizen, key), SK: "IDEM", Hash: requestHash, State: idemPending, Lock: lock,
		LockedAt: now.UnixMilli(), ExpiresAt: exp.UnixMilli(), TTL: exp.Unix(),
	})
	if err != nil {
		return nil, nil, err
	}
	n := func(v int64) types.AttributeValue {
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item:      item,
		ConditionExpression: aws.String("attribute_not_exists(PK) OR expiresAt < :now OR " +
			"(#state = :pending AND lockedAt < :stale AND #hash = :hash)"),
		ExpressionAttributeNames: map[string]string{"#state": "state", "#hash": "hash"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": n(now.UnixMilli()), ":stale": n(now.Add(-staleClaim).UnixMilli()),
			":pending": str(idemPending), ":hash": str(requestHash),
		},
	})
	if err == nil {
		return &IdempotencyClaim{Citizen: citizen, Key: key, lock: lock}, nil, nil
	}
	if !isConditionFailed(err) {
		return nil, nil, mapErr("claim idempotency key", err)
	}
	var prev idemItem
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key2(idemPK(citizen, key)), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, nil, mapErr("read idempotency key", err)
	}
	if out.Item == nil {
		// Released between our write and our read: the client may retry.
		return nil, nil, domain.ErrRequestInProgress
	}
	if err := unmarshal(out.Item, &prev); err != nil {
		return nil, nil, fmt.Errorf("idempotency record: %w", err)
	}
	switch {
	case prev.Hash != requestHash:
		return nil, nil, domain.ErrIdempotencyConflict
	case prev.State == idemDone:
		return nil, &IdempotencyResult{BookingID: prev.BookingID}, nil
	default:
		return nil, nil, domain.ErrRequestInProgress
	}
}

func key2(pk string) map[string]types.AttributeValue { return key(pk, "IDEM") }

// complete is the transaction item that marks the claim done with its result.
func (c *IdempotencyClaim) complete(table, bookingID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                aws.String(table),
		Key:                      key2(idemPK(c.Citizen, c.Key)),
		UpdateExpression:         aws.String("SET #state = :done, bookingId = :b"),
		ConditionExpression:      aws.String("#lock = :lock"),
		ExpressionAttributeNames: map[string]string{"#state": "state", "#lock": "lock"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":done": str(idemDone), ":b": str(bookingID), ":lock": str(c.lock),
		},
	}}
}

// ReleaseIdempotency gives the key back after the request failed, so that a
// retry is judged afresh. Only this request's own claim is removed.
func (s *Store) ReleaseIdempotency(ctx context.Context, c *IdempotencyClaim) error {
	if c == nil {
		return nil
	}
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key2(idemPK(c.Citizen, c.Key)),
		ConditionExpression:       aws.String("#lock = :lock AND #state = :pending"),
		ExpressionAttributeNames:  map[string]string{"#lock": "lock", "#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":lock": str(c.lock), ":pending": str(idemPending)},
	})
	if err != nil && !isConditionFailed(err) {
		return mapErr("release idempotency key", err)
	}
	return nil
}
