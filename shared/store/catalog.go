package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/zapis/zapis/shared/domain"
)

// The catalog is small (hundreds of services and institutions), so each
// kind lives in one partition and is listed with a single Query.
const (
	pkService     = "SERVICE"
	pkInstitution = "INSTITUTION"
)

type serviceItem struct {
	PK string `json:"PK"`
	SK string `json:"SK"`
	domain.Service
}

type institutionItem struct {
	PK string `json:"PK"`
	SK string `json:"SK"`
	domain.Institution
}

// Empty collections are not stored (dropEmpty); clients get [] and {}.
func serviceDefaults(s domain.Service) domain.Service {
	if s.RequiredDocuments == nil {
		s.RequiredDocuments = []domain.RequiredDocument{}
	}
	return s
}

func institutionDefaults(in domain.Institution) domain.Institution {
	if in.WorkHours == nil {
		in.WorkHours = domain.Weekly{}
	}
	if in.ServiceIDs == nil {
		in.ServiceIDs = []string{}
	}
	return in
}

// CreateService stores a new service; domain.ErrConflict when the id exists.
func (s *Store) CreateService(ctx context.Context, svc domain.Service) error {
	return s.putNew(ctx, "create service", serviceItem{PK: pkService, SK: "SERVICE#" + svc.ID, Service: svc})
}

// CreateInstitution stores a new institution; domain.ErrConflict when the id
// exists.
func (s *Store) CreateInstitution(ctx context.Context, in domain.Institution) error {
	return s.putNew(ctx, "create institution", institutionItem{PK: pkInstitution, SK: "INSTITUTION#" + in.ID, Institution: in})
}

func (s *Store) putNew(ctx context.Context, op string, v any) error {
	item, err := marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return fmt.Errorf("%s: %w", op, domain.ErrConflict)
	}
	return mapErr(op, err)
}

// GetService returns one service or domain.ErrNotFound.
func (s *Store) GetService(ctx context.Context, id string) (domain.Service, error) {
	var it serviceItem
	if err := s.get(ctx, "get service", pkService, "SERVICE#"+id, &it); err != nil {
		return domain.Service{}, err
	}
	return serviceDefaults(it.Service), nil
}

// GetInstitution returns one institution or domain.ErrNotFound.
func (s *Store) GetInstitution(ctx context.Context, id string) (domain.Institution, error) {
	var it institutionItem
	if err := s.get(ctx, "get institution", pkInstitution, "INSTITUTION#"+id, &it); err != nil {
		return domain.Institution{}, err
	}
	return institutionDefaults(it.Institution), nil
}

func (s *Store) get(ctx context.Context, op, pk, sk string, dst any) error {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return mapErr(op, err)
	}
	if out.Item == nil {
		return fmt.Errorf("%s %s: %w", op, sk, domain.ErrNotFound)
	}
	if err := unmarshal(out.Item, dst); err != nil {
		return fmt.Errorf("%s: decode: %w", op, err)
	}
	return nil
}

// ListServices returns the whole service catalog, ordered by id.
func (s *Store) ListServices(ctx context.Context) ([]domain.Service, error) {
	items, err := s.queryPartition(ctx, pkService, "SERVICE#")
	if err != nil {
		return nil, mapErr("list services", err)
	}
	out := make([]domain.Service, 0, len(items))
	for _, m := range items {
		var it serviceItem
		if err := unmarshal(m, &it); err != nil {
			return nil, fmt.Errorf("list services: decode: %w", err)
		}
		out = append(out, serviceDefaults(it.Service))
	}
	return out, nil
}

// ListInstitutions returns every institution, ordered by id.
func (s *Store) ListInstitutions(ctx context.Context) ([]domain.Institution, error) {
	items, err := s.queryPartition(ctx, pkInstitution, "INSTITUTION#")
	if err != nil {
		return nil, mapErr("list institutions", err)
	}
	out := make([]domain.Institution, 0, len(items))
	for _, m := range items {
		var it institutionItem
		if err := unmarshal(m, &it); err != nil {
			return nil, fmt.Errorf("list institutions: decode: %w", err)
		}
		out = append(out, institutionDefaults(it.Institution))
	}
	return out, nil
}
