package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/zapis/zapis/shared/domain"
)

// Settings live beside the profile (CIT#<sub> / SETTINGS); the journal of
// notifications in the booking's partition (NOTIF#<id>), so one Query lists
// it and a booking's deletion would take it along.
const (
	skSettings  = "SETTINGS"
	notifPrefix = "NOTIF#"
)

// GetSettings returns a citizen's notification settings, the defaults when
// none were saved.
func (s *Store) GetSettings(ctx context.Context, citizen string) (domain.NotificationSettings, error) {
	var it struct {
		Settings domain.NotificationSettings `json:"settings"`
	}
	err := s.get(ctx, "get settings", "CIT#"+citizen, skSettings, &it)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.DefaultNotificationSettings(), nil
	}
	return it.Settings, err
}

// PutSettings saves a citizen's notification settings.
func (s *Store) PutSettings(ctx context.Context, citizen string, st domain.NotificationSettings) error {
	av, err := marshal(map[string]any{"PK": "CIT#" + citizen, "SK": skSettings, "settings": st})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av})
	return mapErr("put settings", err)
}

// Notification statuses in the journal.
const (
	NotifPending    = "pending"    // recorded, not yet published
	NotifPublished  = "published"  // SNS accepted it (MessageId)
	NotifFailed     = "failed"     // the last publish failed; it is retried
	NotifSuppressed = "suppressed" // the channel or the reminder is off
)

// Notification is one entry of a booking's journal: one kind of event on
// one channel. Its id is derived from the event, so recording it twice is
// impossible and a retry finds what to publish.
type Notification struct {
	ID        string    `json:"id"`
	BookingID string    `json:"bookingId"`
	Kind      string    `json:"kind"`
	Channel   string    `json:"channel"`
	Status    string    `json:"status"`
	At        time.Time `json:"at"`
	MessageID string    `json:"messageId,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	LastError string    `json:"lastError,omitempty"`
	// Message is what is published, kept for retries.
	Message string `json:"message,omitempty"`
}

type notificationItem struct {
	PK string `json:"PK"`
	SK string `json:"SK"`
	Notification
}

// ErrAlreadyRecorded means the notifications of an event were recorded
// before (a duplicate), or the due marker they consume was taken by
// another run: nothing more to do.
var ErrAlreadyRecorded = errors.New("notification already recorded")

// RecordNotifications writes the journal entries of one event in one
// transaction, each only if it does not exist yet; when consume is set, the
// due marker is deleted in the same transaction (exactly one run sends a
// reminder); when any entry is pending, the booking's retry marker is set
// for retryAt so that a crash before publishing is recovered.
func (s *Store) RecordNotifications(ctx context.Context, entries []Notification, consume *Due, retryAt time.Time) error {
	if len(entries) == 0 {
		return nil
	}
	var items []types.TransactWriteItem
	pending := false
	for _, n := range entries {
		av, err := marshal(notificationItem{PK: bookingPK(n.BookingID), SK: notifPrefix + n.ID, Notification: n})
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.table), Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)"),
		}})
		pending = pending || n.Status == NotifPending
	}
	if consume != nil {
		items = append(items, s.dueDelete(*consume))
	}
	if pending {
		put, err := s.duePut(entries[0].BookingID, domain.DueNotify, retryAt)
		if err != nil {
			return err
		}
		items = append(items, put)
	}
	codes, err := s.transact(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	for _, c := range codes {
		if c == "ConditionalCheckFailed" {
			return ErrAlreadyRecorded
		}
	}
	return mapErr("record notifications", err)
}

// SetRetry moves a booking's retry marker to at.
func (s *Store) SetRetry(ctx context.Context, bookingID string, at time.Time) error {
	put, err := s.duePut(bookingID, domain.DueNotify, at)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.Put.TableName, Item: put.Put.Item})
	return mapErr("set retry", err)
}

// MarkNotification records the outcome of a publish: published with its
// MessageId, or failed with the error, counting attempts. Only an entry not
// yet published is changed, so a late duplicate cannot undo a success.
func (s *Store) MarkNotification(ctx context.Context, n Notification) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(bookingPK(n.BookingID), notifPrefix+n.ID),
		UpdateExpression:         aws.String("SET #st = :st, messageId = :mid, attempts = :att, lastError = :err, #at = :at"),
		ConditionExpression:      aws.String("#st IN (:pending, :failed)"),
		ExpressionAttributeNames: map[string]string{"#st": "status", "#at": "at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":st": str(n.Status), ":mid": str(n.MessageID), ":att": &types.AttributeValueMemberN{Value: strconv.Itoa(n.Attempts)},
			":err": str(n.LastError), ":at": str(n.At.UTC().Format(time.RFC3339Nano)),
			":pending": str(NotifPending), ":failed": str(NotifFailed),
		},
	})
	if isConditionFailed(err) {
		return nil // published meanwhile by another attempt
	}
	return mapErr("mark notification", err)
}

// ListNotifications returns a booking's journal, oldest first (one Query).
func (s *Store) ListNotifications(ctx context.Context, bookingID string) ([]Notification, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(bookingPK(bookingID)), ":p": str(notifPrefix),
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, mapErr("list notifications", err)
	}
	out := make([]Notification, 0, len(items))
	for _, m := range items {
		var it notificationItem
		if err := unmarshal(m, &it); err != nil {
			return nil, fmt.Errorf("list notifications: decode: %w", err)
		}
		out = append(out, it.Notification)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}
