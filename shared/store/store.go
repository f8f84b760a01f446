// Package store is the DynamoDB adapter: one table, keys and indexes as laid
// out in docs/DESIGN.md. It speaks domain types and domain errors; callers
// never see DynamoDB types.
package store

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/zapis/zapis/shared/domain"
)

// Index names, as in template.yaml.
const (
	IndexByCitizen        = "ByCitizen"
	IndexByInstitutionDay = "ByInstitutionDay"
	IndexByDue            = "ByDue"
)

// Store reads and writes Zapis data in one DynamoDB table.
type Store struct {
	db    *dynamodb.Client
	table string
}

// New returns a Store on table.
func New(db *dynamodb.Client, table string) *Store {
	return &Store{db: db, table: table}
}

// DynamoDB returns the client, for benchmarks that compare the store with
// bare calls on the same connection pool.
func (s *Store) DynamoDB() *dynamodb.Client { return s.db }

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// Items are encoded with their JSON tags so that the domain types need no
// second set of tags.
func marshal(v any) (map[string]types.AttributeValue, error) {
	m, err := attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
	if err != nil {
		return nil, err
	}
	dropEmpty(m)
	return m, nil
}

// dropEmpty removes empty lists and maps, at any depth. They carry nothing
// (decoding a missing attribute gives the same nil), they cost bytes, and
// not every DynamoDB-compatible engine round-trips them (minidyn returns
// them as {}). Readers default them back (see defaults).
func dropEmpty(m map[string]types.AttributeValue) {
	for k, v := range m {
		switch av := v.(type) {
		case *types.AttributeValueMemberL:
			for _, e := range av.Value {
				if mm, ok := e.(*types.AttributeValueMemberM); ok {
					dropEmpty(mm.Value)
				}
			}
			if len(av.Value) == 0 {
				delete(m, k)
			}
		case *types.AttributeValueMemberM:
			dropEmpty(av.Value)
			if len(av.Value) == 0 {
				delete(m, k)
			}
		}
	}
}

func unmarshal(m map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(m, v, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: pk},
		"SK": &types.AttributeValueMemberS{Value: sk},
	}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// mapErr turns DynamoDB failures into domain errors: throttling and
// transaction conflicts are transient (503 with Retry-After), a failed
// condition is reported by the caller, anything else is unexpected.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
	}
	// The request never got an answer (connection refused or reset, DNS):
	// DynamoDB may be fine a moment later, so the client may retry.
	var send *smithyhttp.RequestSendError
	var netErr net.Error
	if errors.As(err, &send) || errors.As(err, &netErr) {
		return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
	}
	var (
		pte *types.ProvisionedThroughputExceededException
		rle *types.RequestLimitExceeded
		tce *types.TransactionConflictException
		api smithy.APIError
	)
	if errors.As(err, &pte) || errors.As(err, &rle) || errors.As(err, &tce) {
		return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
	}
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ThrottlingException", "TransactionConflict", "TransactionInProgressException", "ServiceUnavailable", "InternalServerError":
			return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// queryAll runs a Query and follows LastEvaluatedKey to the end.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

// queryPartition returns every item of partition pk whose sort key begins
// with prefix.
func (s *Store) queryPartition(ctx context.Context, pk, prefix string) ([]map[string]types.AttributeValue, error) {
	return s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":p": str(prefix),
		},
	})
}
