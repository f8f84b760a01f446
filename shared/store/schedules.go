package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/zapis/zapis/shared/domain"
)

// A working plan is one item per institution and service: PK
// SCHEDULE#<institutionId>, SK <serviceId>. One Query lists an
// institution's plans.
type scheduleItem struct {
	PK string `json:"PK"`
	SK string `json:"SK"`
	domain.Schedule
	// Who changed the plan last, and when: operators ask "who closed
	// Monday?".
	UpdatedAt string `json:"updatedAt"`
	UpdatedBy string `json:"updatedBy"`
}

func schedulePK(institutionID string) string { return "SCHEDULE#" + institutionID }

// PutSchedule stores the working plan of sch.ServiceID at institutionID,
// replacing the previous one. by is the sub of the caller.
func (s *Store) PutSchedule(ctx context.Context, institutionID string, sch domain.Schedule, by string, at time.Time) error {
	item, err := marshal(scheduleItem{
		PK: schedulePK(institutionID), SK: sch.ServiceID, Schedule: sch,
		UpdatedAt: at.UTC().Format(time.RFC3339), UpdatedBy: by,
	})
	if err != nil {
		return fmt.Errorf("put schedule: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item})
	return mapErr("put schedule", err)
}

// GetSchedule returns the working plan of serviceID at institutionID, or
// domain.ErrNotFound when none was stored.
func (s *Store) GetSchedule(ctx context.Context, institutionID, serviceID string) (domain.Schedule, error) {
	var it scheduleItem
	if err := s.get(ctx, "get schedule", schedulePK(institutionID), serviceID, &it); err != nil {
		return domain.Schedule{}, err
	}
	sch := it.Schedule
	// Empty collections may come back as NULL or be absent.
	if sch.Weekly == nil {
		sch.Weekly = domain.Weekly{}
	}
	if sch.ClosedDates == nil {
		sch.ClosedDates = []string{}
	}
	return sch, nil
}
