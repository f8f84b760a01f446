package bench

import (
	"context"
	"maps"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"
)

// meter counts DynamoDB requests and the items they read and wrote, at the
// SDK middleware: what the code asks of DynamoDB, whatever the engine
// reports (minidyn reports no consumed capacity). It also counts the other
// billed calls: SQS sends, SNS publishes, S3 puts and gets.
type meter struct {
	mu       sync.Mutex
	requests map[string]int
	read     int // items examined by Query/Scan (ScannedCount) and GetItem
	written  int // items put, updated or deleted, alone or in transactions/batches
	other    map[string]int
}

type meterSnapshot struct {
	Requests int            `json:"requests"` // DynamoDB
	ByOp     map[string]int `json:"byOperation"`
	Read     int            `json:"itemsRead"`
	Written  int            `json:"itemsWritten"`
	Other    map[string]int `json:"otherServices,omitempty"` // "sqs:SendMessage", "sns:Publish", "s3:PutObject", "s3:GetObject"
}

func newMeter() *meter { return &meter{requests: map[string]int{}, other: map[string]int{}} }

// install adds the counting middleware to every client built from cfg.
func (m *meter) install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("meter", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			m.count(in.Parameters, out.Result)
			return out, md, err
		}), middleware.After)
	})
}

func (m *meter) count(params, result any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch p := params.(type) {
	case *dynamodb.QueryInput:
		m.requests["Query"]++
		if r, ok := result.(*dynamodb.QueryOutput); ok {
			m.read += int(max(r.ScannedCount, r.Count))
		}
	case *dynamodb.ScanInput:
		m.requests["Scan"]++
		if r, ok := result.(*dynamodb.ScanOutput); ok {
			m.read += int(max(r.ScannedCount, r.Count))
		}
	case *dynamodb.GetItemInput:
		m.requests["GetItem"]++
		if r, ok := result.(*dynamodb.GetItemOutput); ok && r.Item != nil {
			m.read++
		}
	case *dynamodb.PutItemInput:
		m.requests["PutItem"]++
		m.written++
	case *dynamodb.UpdateItemInput:
		m.requests["UpdateItem"]++
		m.written++
	case *dynamodb.DeleteItemInput:
		m.requests["DeleteItem"]++
		m.written++
	case *dynamodb.TransactWriteItemsInput:
		m.requests["TransactWriteItems"]++
		m.written += len(p.TransactItems)
	case *dynamodb.BatchWriteItemInput:
		m.requests["BatchWriteItem"]++
		for _, reqs := range p.RequestItems {
			m.written += len(reqs)
		}
	case *sqs.SendMessageInput:
		m.other["sqs:SendMessage"]++
	case *sns.PublishInput:
		m.other["sns:Publish"]++
	case *s3.PutObjectInput:
		m.other["s3:PutObject"]++
	case *s3.GetObjectInput:
		m.other["s3:GetObject"]++
	}
}

func (m *meter) snapshot() meterSnapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := meterSnapshot{ByOp: map[string]int{}, Read: m.read, Written: m.written, Other: maps.Clone(m.other)}
	for k, v := range m.requests {
		s.ByOp[k] = v
		s.Requests += v
	}
	return s
}

// since is what happened between two snapshots.
func (s meterSnapshot) since(before meterSnapshot) meterSnapshot {
	d := meterSnapshot{ByOp: map[string]int{}, Other: map[string]int{}, Requests: s.Requests - before.Requests, Read: s.Read - before.Read, Written: s.Written - before.Written}
	for k, v := range s.ByOp {
		if n := v - before.ByOp[k]; n != 0 {
			d.ByOp[k] = n
		}
	}
	for k, v := range s.Other {
		if n := v - before.Other[k]; n != 0 {
			d.Other[k] = n
		}
	}
	return d
}
