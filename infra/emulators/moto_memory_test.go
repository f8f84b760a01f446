//go:build linux

package emulators

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestMotoKeepsNoTableCopies: every TransactWriteItems deep-copies the table
// for its rollback, and stock moto keeps each copy reachable from its model
// instance tracker. A contention round is hundreds of failed transactions,
// so moto grew by a table copy (~4 MB here) per losing client until the OOM
// killer took it. The server StartMoto runs must stay flat instead.
func TestMotoKeepsNoTableCopies(t *testing.T) {
	m, err := StartMoto(t.Context())
	if errors.Is(err, ErrMotoNotInstalled) {
		t.Skip("moto_server not installed")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	cfg, _ := loadConfig(t, m.URL())
	db := dynamodb.NewFromConfig(cfg)
	ctx := t.Context()
	table := createTable(t, db)

	const items = 2000
	pad := strings.Repeat("x", 200)
	for i := 0; i < items; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < i+25; j++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"PK": s(fmt.Sprintf("P#%d", j)), "SK": s("X"), "pad": s(pad),
			}}})
		}
		out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
		if err != nil || len(out.UnprocessedItems) > 0 {
			t.Fatalf("BatchWriteItem: %v (unprocessed %d)", err, len(out.UnprocessedItems))
		}
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"PK": s("SLOT"), "SK": s("S"), "booked": n(5),
	}}); err != nil {
		t.Fatal(err)
	}

	failAll := func(count int) {
		t.Helper()
		for i := range count {
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Update: &types.Update{
					TableName:                 aws.String(table),
					Key:                       map[string]types.AttributeValue{"PK": s("SLOT"), "SK": s("S")},
					UpdateExpression:          aws.String("SET booked = booked + :one"),
					ConditionExpression:       aws.String("booked < :cap"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":one": n(1), ":cap": n(5)},
				}},
				{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
					"PK": s(fmt.Sprintf("B#%d", i)), "SK": s("B"),
				}}},
			}})
			var canceled *types.TransactionCanceledException
			if !errors.As(err, &canceled) {
				t.Fatalf("transaction %d: want TransactionCanceledException, got %v", i, err)
			}
		}
	}
	failAll(10) // let allocator arenas and caches settle first
	before := rssMiB(t, m.cmd.Process.Pid)
	const failures = 60
	failAll(failures)
	after := rssMiB(t, m.cmd.Process.Pid)
	t.Logf("moto RSS %d MiB → %d MiB after %d failed transactions on %d items", before, after, failures, items)
	// Stock moto grows ~4 MiB per failure here (~250 MiB); a flat server
	// moves by a few MiB.
	if grew := after - before; grew > 64 {
		t.Fatalf("moto grew by %d MiB over %d failed transactions: it keeps the rollback copies", grew, failures)
	}
}

// rssMiB reads a process's resident set size from /proc.
func rssMiB(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatalf("VmRSS %q: %v", rest, err)
			}
			return kb / 1024
		}
	}
	t.Fatalf("no VmRSS for pid %d", pid)
	return 0
}
