package invoke_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/zapis/zapis/infra/local/invoke"
	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/testenv"
)

// recorder is an SQS handler: its first invocation does what first says,
// later ones record what they get and succeed.
type recorder struct {
	first func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

	mu       sync.Mutex
	calls    int
	firstIDs []string          // message ids of the first batch
	later    map[string]string // message id → ApproximateReceiveCount, later batches
}

func (r *recorder) handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	r.mu.Lock()
	r.calls++
	first := r.calls == 1
	if first {
		for _, m := range ev.Records {
			r.firstIDs = append(r.firstIDs, m.MessageId)
		}
	} else {
		if r.later == nil {
			r.later = map[string]string{}
		}
		for _, m := range ev.Records {
			r.later[m.MessageId] = m.Attributes["ApproximateReceiveCount"]
		}
	}
	r.mu.Unlock()
	if first {
		return r.first(ctx, ev)
	}
	return events.SQSEventResponse{}, nil
}

func (r *recorder) snapshot() (firstIDs []string, later map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.firstIDs), maps.Clone(r.later)
}

func failItems(ids ...string) events.SQSEventResponse {
	var r events.SQSEventResponse
	for _, id := range ids {
		r.BatchItemFailures = append(r.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}
	return r
}

type acknowledgeCase struct {
	name    string
	first   func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)
	timeout time.Duration
	back    func(ids []string) []string // message ids that must come back
	log     string                      // in the log
}

// TestPollerAcknowledges checks what comes back after each kind of
// outcome: nothing after a success, the listed message after a partial
// failure, the whole batch after an error, a panic, a timeout or a bad
// itemIdentifier, each with ApproximateReceiveCount 2 on its next receive.
func TestPollerAcknowledges(t *testing.T) {
	t.Parallel()
	const n = 3
	tests := []acknowledgeCase{
		{
			name: "success deletes all",
			first: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
				return events.SQSEventResponse{}, nil
			},
			back: func([]string) []string { return nil },
			log:  "sqs batch processed",
		},
		{
			name: "one batch item failure comes back alone",
			first: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				return failItems(ev.Records[1].MessageId), nil
			},
			back: func(ids []string) []string { return ids[1:2] },
			log:  "sqs batch partly failed",
		},
		{
			name: "handler error fails the batch",
			first: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
				return failItems("ignored"), errors.New("store unavailable")
			},
			back: func(ids []string) []string { return ids },
			log:  "store unavailable",
		},
		{
			name:  "panic fails the batch",
			first: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) { panic("boom") },
			back:  func(ids []string) []string { return ids },
			log:   "sqs handler panicked",
		},
		{
			name: "unknown itemIdentifier fails the batch",
			first: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				return failItems(ev.Records[0].MessageId, "not-in-this-batch"), nil
			},
			back: func(ids []string) []string { return ids },
			log:  "not in the batch",
		},
		{
			name: "empty itemIdentifier fails the batch",
			first: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
				return failItems(""), nil
			},
			back: func(ids []string) []string { return ids },
			log:  "not in the batch",
		},
		{
			name: "timeout fails the batch",
			first: func(ctx context.Context, _ events.SQSEvent) (events.SQSEventResponse, error) {
				<-ctx.Done()
				time.Sleep(50 * time.Millisecond) // still running at the deadline
				return events.SQSEventResponse{}, nil
			},
			timeout: 300 * time.Millisecond,
			back:    func(ids []string) []string { return ids },
			log:     "timed out after 300ms",
		},
	}
	onEveryBackend(t, func(t *testing.T, b testenv.Backend) {
		concurrently(t, tests, func(tc acknowledgeCase) string { return tc.name }, func(t *testing.T, tc acknowledgeCase) {
			ctx := context.Background()
			c := awsconf.SQS(b.Config)
			q := newQueue(t, c)
			send(t, c, q.url, n)
			log, logs := newLog()
			rec := &recorder{first: tc.first}
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			p := invoke.NewPoller(invoke.PollerConfig{
				Client: c, QueueURL: q.url, QueueARN: q.arn,
				Timeout: timeout, RetryDelay: invoke.DefaultRetryDelay, Log: log,
			}, rec.handle)

			received, failed, err := p.PollOnce(ctx)
			if err != nil || received != n {
				t.Fatalf("PollOnce = %d received, %v; want %d", received, err, n)
			}
			firstIDs, _ := rec.snapshot()
			want := tc.back(firstIDs)
			if failed != len(want) {
				t.Fatalf("failed = %d, want %d", failed, len(want))
			}
			if len(want) == 0 {
				assertEmpty(t, c, q.url)
			} else {
				// The failed messages come back after RetryDelay, not
				// after the queue's 180 s.
				deadline := time.Now().Add(10 * time.Second)
				for {
					if _, later := rec.snapshot(); len(later) >= len(want) || time.Now().After(deadline) {
						break
					}
					if _, _, err := p.PollOnce(ctx); err != nil {
						t.Fatal(err)
					}
				}
				_, later := rec.snapshot()
				wantBack := map[string]string{}
				for _, id := range want {
					wantBack[id] = "2"
				}
				if !maps.Equal(later, wantBack) {
					t.Fatalf("came back (id → ApproximateReceiveCount) %v, want %v", later, wantBack)
				}
				assertEmpty(t, c, q.url)
			}
			if !strings.Contains(logs.String(), tc.log) {
				t.Fatalf("log lacks %q:\n%s", tc.log, logs)
			}
			assertNoBodies(t, logs)
		})
	})
}

// TestPollerRecords checks the records are built as Lambda builds them, and
// the invocation context.
func TestPollerRecords(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		c := awsconf.SQS(b.Config)
		q := newQueue(t, c)
		body := `{"bookingId":"` + uniq("b") + `"} <&>`
		before := time.Now().Add(-time.Second).UnixMilli()
		sent, err := c.SendMessage(ctx, &sqs.SendMessageInput{
			QueueUrl: &q.url, MessageBody: &body,
			MessageAttributes: map[string]types.MessageAttributeValue{
				"kind":    {DataType: aws.String("String"), StringValue: aws.String("document-check")},
				"attempt": {DataType: aws.String("Number"), StringValue: aws.String("1")},
			},
		})
		if err != nil {
			t.Fatal(err)
		}

		var (
			got         events.SQSEvent
			lc          *lambdacontext.LambdaContext
			remaining   time.Duration
			hasDeadline bool
		)
		const timeout = 5 * time.Second
		log, logs := newLog()
		p := invoke.NewPoller(invoke.PollerConfig{Client: c, QueueURL: q.url, QueueARN: q.arn, Timeout: timeout, Log: log},
			func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				got = ev
				lc, _ = lambdacontext.FromContext(ctx)
				var deadline time.Time
				deadline, hasDeadline = ctx.Deadline()
				remaining = time.Until(deadline)
				return events.SQSEventResponse{}, nil
			})
		if n, _, err := p.PollOnce(ctx); n != 1 || err != nil {
			t.Fatalf("PollOnce = %d, %v", n, err)
		}
		after := time.Now().Add(time.Second).UnixMilli()

		if lc == nil || len(lc.AwsRequestID) != 36 {
			t.Errorf("LambdaContext = %+v", lc)
		}
		if !hasDeadline || remaining < timeout-time.Second || remaining > timeout {
			t.Errorf("deadline %v away at invocation (set: %v), want the %v timeout", remaining, hasDeadline, timeout)
		}
		if len(got.Records) != 1 {
			t.Fatalf("records %+v", got.Records)
		}
		r := got.Records[0]
		sum := md5.Sum([]byte(body))
		checks := []struct {
			field, got, want string
		}{
			{"messageId", r.MessageId, aws.ToString(sent.MessageId)},
			{"body", r.Body, body},
			{"md5OfBody", r.Md5OfBody, hex.EncodeToString(sum[:])},
			{"eventSource", r.EventSource, "aws:sqs"},
			{"eventSourceARN", r.EventSourceARN, q.arn},
			{"awsRegion", r.AWSRegion, "us-east-1"},
			{"ApproximateReceiveCount", r.Attributes["ApproximateReceiveCount"], "1"},
			{"kind.stringValue", aws.ToString(r.MessageAttributes["kind"].StringValue), "document-check"},
			{"kind.dataType", r.MessageAttributes["kind"].DataType, "String"},
			{"attempt.stringValue", aws.ToString(r.MessageAttributes["attempt"].StringValue), "1"},
			{"attempt.dataType", r.MessageAttributes["attempt"].DataType, "Number"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
			}
		}
		if r.ReceiptHandle == "" {
			t.Error("no receiptHandle")
		}
		if r.Md5OfMessageAttributes == "" {
			t.Error("no md5OfMessageAttributes")
		}
		for _, a := range []string{"SentTimestamp", "ApproximateFirstReceiveTimestamp"} {
			ms, err := strconv.ParseInt(r.Attributes[a], 10, 64)
			if err != nil || ms < before || ms > after {
				t.Errorf("%s = %q, want milliseconds between %d and %d", a, r.Attributes[a], before, after)
			}
		}
		t.Logf("attributes: %v", r.Attributes)

		// The JSON a Lambda function would receive.
		raw, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Records []map[string]json.RawMessage
		}
		if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Records) != 1 {
			t.Fatalf("%s: %v", raw, err)
		}
		for _, k := range []string{"messageId", "receiptHandle", "body", "attributes", "messageAttributes",
			"md5OfBody", "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion"} {
			if _, ok := doc.Records[0][k]; !ok {
				t.Errorf("record JSON lacks %q: %s", k, raw)
			}
		}
		if !strings.Contains(string(doc.Records[0]["messageAttributes"]), `"kind":{"stringValue":"document-check","stringListValues":[],"binaryListValues":[],"dataType":"String"}`) {
			t.Errorf("messageAttributes JSON: %s", doc.Records[0]["messageAttributes"])
		}
		assertEmpty(t, c, q.url)
		assertNoBodies(t, logs)
	})
}

// TestPollerDeadLetterQueue: a message that fails every time is received
// exactly 5 times (maxReceiveCount) and then lands in the DLQ. Redrive is the
// queue's (the emulator's) doing; the poller only gives failed messages back
// after RetryDelay.
func TestPollerDeadLetterQueue(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		c := awsconf.SQS(b.Config)
		q := newQueue(t, c)
		send(t, c, q.url, 1)

		log, logs := newLog()
		var seen []string // ApproximateReceiveCount of each delivery
		var id string
		p := invoke.NewPoller(invoke.PollerConfig{
			Client: c, QueueURL: q.url, QueueARN: q.arn, Timeout: 5 * time.Second, RetryDelay: time.Second, Log: log,
		}, func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			for _, r := range ev.Records {
				seen = append(seen, r.Attributes["ApproximateReceiveCount"])
				id = r.MessageId
			}
			return failItems(id), nil
		})

		start := time.Now()
		deadline := start.Add(30 * time.Second)
		inDLQ := false
		for !inDLQ && time.Now().Before(deadline) {
			if _, _, err := p.PollOnce(ctx); err != nil {
				t.Fatal(err)
			}
			v, nv := counts(t, c, q.dlqURL)
			inDLQ = v != "0" || nv != "0"
			if inDLQ && len(seen) < 5 {
				t.Fatalf("in the DLQ after %d receives (%v)", len(seen), seen)
			}
		}
		if !inDLQ {
			t.Fatalf("not in the DLQ after %v; receive counts %v", time.Since(start), seen)
		}
		t.Logf("in the DLQ after %v", time.Since(start).Round(time.Millisecond))
		if want := []string{"1", "2", "3", "4", "5"}; !slices.Equal(seen, want) {
			t.Fatalf("receive counts %v, want %v", seen, want)
		}
		assertEmpty(t, c, q.url)

		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: &q.dlqURL, WaitTimeSeconds: 1, MaxNumberOfMessages: 10,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		})
		if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].MessageId) != id {
			t.Fatalf("DLQ receive = %+v, %v; want message %s", out, err, id)
		}
		t.Logf("first receive from the DLQ: ApproximateReceiveCount %s", out.Messages[0].Attributes["ApproximateReceiveCount"])
		assertNoBodies(t, logs)
	})
}

// TestPollerStartClose: the polling goroutine survives a panicking handler,
// processes everything and stops promptly on Close.
func TestPollerStartClose(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, b testenv.Backend) {
		c := awsconf.SQS(b.Config)
		q := newQueue(t, c)
		log, logs := newLog()
		rec := &recorder{first: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) { panic("first call") }}
		p := invoke.NewPoller(invoke.PollerConfig{
			Client: c, QueueURL: q.url, QueueARN: q.arn, Timeout: 5 * time.Second,
			RetryDelay: invoke.DefaultRetryDelay, Log: log,
		}, rec.handle)
		p.Close() // not started: nothing to do
		p.Start(context.Background())
		p.Start(context.Background()) // already running: nothing to do
		send(t, c, q.url, 2)

		deadline := time.Now().Add(15 * time.Second)
		for {
			firstIDs, later := rec.snapshot()
			if len(firstIDs) > 0 && len(later) == 2 {
				break
			}
			if time.Now().After(deadline) {
				p.Close()
				t.Fatalf("not processed in time: first %v, later %v\n%s", firstIDs, later, logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
		start := time.Now()
		p.Close()
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Close took %v", d)
		}
		p.Close()
		assertEmpty(t, c, q.url)
		if !strings.Contains(logs.String(), "sqs handler panicked") {
			t.Errorf("panic not logged:\n%s", logs)
		}
		assertNoBodies(t, logs)
	})
}

// TestPollerProvisionedQueue runs against a queue of template.yaml as
// provisioned, looking its ARN up and taking the region from the client.
func TestPollerProvisionedQueue(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, b testenv.Backend) {
		ctx := context.Background()
		c := awsconf.SQS(b.Config)
		url, arn := b.Provisioned.QueueURLs["DocumentCheckQueue"], b.Provisioned.QueueARNs["DocumentCheckQueue"]
		if url == "" || arn == "" {
			t.Fatalf("DocumentCheckQueue not provisioned: %v", b.Provisioned.QueueURLs)
		}
		bodies := send(t, c, url, 2)
		var got []events.SQSMessage
		p := invoke.NewPoller(invoke.PollerConfig{Client: c, QueueURL: url},
			func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				got = append(got, ev.Records...)
				return events.SQSEventResponse{}, nil
			})
		for deadline := time.Now().Add(5 * time.Second); len(got) < 2 && time.Now().Before(deadline); {
			if _, _, err := p.PollOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != 2 {
			t.Fatalf("got %d records", len(got))
		}
		for _, r := range got {
			if r.EventSourceARN != arn || r.AWSRegion != "us-east-1" || !slices.Contains(bodies, r.Body) {
				t.Errorf("record %+v", r)
			}
		}
		assertEmpty(t, c, url)
	})
}
