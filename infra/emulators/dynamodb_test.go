package emulators

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/zapis/zapis/shared/awsconf"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }

// createTable creates a PK/SK table with one GSI and waits until it is ACTIVE
// with the SDK's own waiter (minidyn alone reports an empty status).
func createTable(t *testing.T, db *dynamodb.Client) string {
	t.Helper()
	ctx := context.Background()
	name := uniq("data")
	str := types.ScalarAttributeTypeS
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: str},
			{AttributeName: aws.String("SK"), AttributeType: str},
			{AttributeName: aws.String("GSI1PK"), AttributeType: str},
			{AttributeName: aws.String("GSI1SK"), AttributeType: str},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("SK"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("ByCitizen"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("GSI1PK"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("GSI1SK"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	})
	out, err := w.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second)
	if err != nil {
		t.Fatalf("wait for table: %v", err)
	}
	if out.Table.TableStatus != types.TableStatusActive || len(out.Table.GlobalSecondaryIndexes) != 1 ||
		out.Table.GlobalSecondaryIndexes[0].IndexStatus != types.IndexStatusActive {
		t.Fatalf("table not active: %+v", out.Table)
	}
	return name
}

func TestDynamoDBTransactionsAndGSI(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			cfg, logs := loadConfig(t, b.url)
			db := awsconf.DynamoDB(cfg)
			table := createTable(t, db)

			slot := map[string]types.AttributeValue{"PK": s("SLOTS#i1#s1"), "SK": s("2026-03-02T09:00Z"), "booked": n(1), "capacity": n(1)}
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: slot}); err != nil {
				t.Fatal(err)
			}

			// The slot is full: the condition fails and the booking is not written.
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: &table, Item: map[string]types.AttributeValue{
					"PK": s("BOOKING#b1"), "SK": s("BOOKING"), "GSI1PK": s("CIT#u1"), "GSI1SK": s("2026-03-02T09:00Z#b1"),
				}}},
				{Update: &types.Update{
					TableName:                 &table,
					Key:                       map[string]types.AttributeValue{"PK": slot["PK"], "SK": slot["SK"]},
					UpdateExpression:          aws.String("SET booked = booked + :one"),
					ConditionExpression:       aws.String("booked < #cap"),
					ExpressionAttributeNames:  map[string]string{"#cap": "capacity"},
					ExpressionAttributeValues: map[string]types.AttributeValue{":one": n(1)},
				}},
			}})
			var tce *types.TransactionCanceledException
			if !errors.As(err, &tce) {
				t.Fatalf("TransactWriteItems: %T %v, want *types.TransactionCanceledException", err, err)
			}
			var codes []string
			for _, r := range tce.CancellationReasons {
				codes = append(codes, aws.ToString(r.Code))
			}
			if !slices.Equal(codes, []string{"None", "ConditionalCheckFailed"}) {
				t.Fatalf("cancellation codes %q", codes)
			}

			// With room on the slot the same transaction goes through.
			for i, item := range []map[string]types.AttributeValue{
				{"PK": s("BOOKING#b2"), "SK": s("BOOKING"), "GSI1PK": s("CIT#u1"), "GSI1SK": s("2026-03-03T09:00Z#b2")},
				{"PK": s("BOOKING#b3"), "SK": s("BOOKING"), "GSI1PK": s("CIT#u1"), "GSI1SK": s("2026-03-01T09:00Z#b3")},
				{"PK": s("BOOKING#b4"), "SK": s("BOOKING"), "GSI1PK": s("CIT#u2"), "GSI1SK": s("2026-03-01T09:00Z#b4")},
			} {
				_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Put: &types.Put{TableName: &table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
				}})
				if err != nil {
					t.Fatalf("put %d: %v", i, err)
				}
			}

			out, err := db.Query(ctx, &dynamodb.QueryInput{
				TableName:                 &table,
				IndexName:                 aws.String("ByCitizen"),
				KeyConditionExpression:    aws.String("GSI1PK = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("CIT#u1")},
				ScanIndexForward:          aws.Bool(false),
			})
			if err != nil {
				t.Fatalf("Query GSI: %v", err)
			}
			var got []string
			for _, it := range out.Items {
				got = append(got, it["PK"].(*types.AttributeValueMemberS).Value)
			}
			if !slices.Equal(got, []string{"BOOKING#b2", "BOOKING#b3"}) {
				t.Fatalf("GSI query = %q", got)
			}

			if l := logs.String(); l != "" {
				t.Fatalf("SDK logged (CRC32 check?):\n%s", l)
			}
		})
	}
}

// TestDynamoDBConcurrentClaims runs the booking race: many clients claim the
// last seats of a slot at once; exactly capacity of them win.
func TestDynamoDBConcurrentClaims(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			cfg, _ := loadConfig(t, b.url)
			db := awsconf.DynamoDB(cfg)
			table := createTable(t, db)
			const capacity, clients = 5, 20
			key := map[string]types.AttributeValue{"PK": s("SLOTS#i#s"), "SK": s("2026-03-02T09:00Z")}
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
				"PK": key["PK"], "SK": key["SK"], "booked": n(0), "capacity": n(capacity),
			}}); err != nil {
				t.Fatal(err)
			}

			var wg sync.WaitGroup
			var mu sync.Mutex
			won, full := 0, 0
			for i := range clients {
				wg.Go(func() {
					_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
						{Update: &types.Update{
							TableName:                 &table,
							Key:                       key,
							UpdateExpression:          aws.String("SET booked = booked + :one"),
							ConditionExpression:       aws.String("booked < #cap"),
							ExpressionAttributeNames:  map[string]string{"#cap": "capacity"},
							ExpressionAttributeValues: map[string]types.AttributeValue{":one": n(1)},
						}},
						{Put: &types.Put{TableName: &table, Item: map[string]types.AttributeValue{
							"PK": s("BOOKING#" + strconv.Itoa(i)), "SK": s("BOOKING"),
						}}},
					}})
					var tce *types.TransactionCanceledException
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case errors.As(err, &tce):
						full++
					default:
						t.Errorf("client %d: %v", i, err)
					}
				})
			}
			wg.Wait()
			if won != capacity || full != clients-capacity {
				t.Fatalf("won %d, rejected %d; want %d, %d", won, full, capacity, clients-capacity)
			}
		})
	}
}

// TestDynamoDBEdgeExtras covers what the edge answers itself: TTL and
// ListTables (minidyn has neither).
func TestDynamoDBEdgeExtras(t *testing.T) {
	ctx := context.Background()
	cfg, logs := loadConfig(t, testEdge.URL())
	db := awsconf.DynamoDB(cfg)
	table := createTable(t, db)

	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &table})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusDisabled {
		t.Fatalf("DescribeTimeToLive before: %+v, %v", ttl, err)
	}
	spec := &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)}
	if _, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: &table, TimeToLiveSpecification: spec}); err != nil {
		t.Fatalf("UpdateTimeToLive: %v", err)
	}
	ttl, err = db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &table})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled ||
		aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "ttl" {
		t.Fatalf("DescribeTimeToLive after: %+v, %v", ttl, err)
	}
	// Like DynamoDB, enabling twice is an error callers must tolerate.
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: &table, TimeToLiveSpecification: spec})
	if err == nil || !strings.Contains(err.Error(), "already enabled") {
		t.Fatalf("second UpdateTimeToLive: %v", err)
	}
	_, err = db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("nope")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("DescribeTimeToLive of a missing table: %v", err)
	}

	other := createTable(t, db)
	var names []string
	p := dynamodb.NewListTablesPaginator(db, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		names = append(names, page.TableNames...)
	}
	if !slices.Contains(names, table) || !slices.Contains(names, other) || !slices.IsSorted(names) {
		t.Fatalf("ListTables = %q", names)
	}

	if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &other}); err != nil {
		t.Fatal(err)
	}
	w := dynamodb.NewTableNotExistsWaiter(db, func(o *dynamodb.TableNotExistsWaiterOptions) { o.MinDelay = 50 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &other}, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	list, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || slices.Contains(list.TableNames, other) {
		t.Fatalf("ListTables after delete: %q, %v", list.TableNames, err)
	}

	// Operations minidyn lacks fail with a typed error, not a plain-text 400.
	_, err = db.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: &table})
	if err == nil || !strings.Contains(err.Error(), "UnknownOperationException") {
		t.Fatalf("DescribeContinuousBackups: %v", err)
	}
	if l := logs.String(); l != "" {
		t.Fatalf("SDK logged:\n%s", l)
	}
}

// TestDynamoDBConcurrentTablesAndItems creates and describes tables while
// items are written: minidyn does those table calls without its lock, so
// -race fails without the edge's serialisation.
func TestDynamoDBConcurrentTablesAndItems(t *testing.T) {
	ctx := context.Background()
	cfg, _ := loadConfig(t, testEdge.URL())
	db := awsconf.DynamoDB(cfg)
	table := createTable(t, db)
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 3 {
			createTable(t, db)
		}
	})
	for i := range 3 {
		wg.Go(func() {
			for j := range 10 {
				if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
					"PK": s(fmt.Sprint("P", i)), "SK": s(fmt.Sprint(j)),
				}}); err != nil {
					t.Error(err)
				}
				if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}
