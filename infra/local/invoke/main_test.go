package invoke_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var (
	resOnce sync.Once
	res     *template.Resources
	resErr  error
)

// resources are the queues of template.yaml: the tests provision nothing
// else, which keeps moto's start-up short.
func resources(t *testing.T) *template.Resources {
	t.Helper()
	resOnce.Do(func() {
		var tpl *template.Template
		if tpl, resErr = template.Load("../../../template.yaml"); resErr != nil {
			return
		}
		var all *template.Resources
		if all, resErr = tpl.Resources(template.LocalNames); resErr != nil {
			return
		}
		res = &template.Resources{Queues: all.Queues}
	})
	if resErr != nil {
		t.Fatal(resErr)
	}
	return res
}

func backends(t *testing.T) []testenv.Backend {
	t.Helper()
	return testenv.Backends(t, resources(t))
}

// concurrently runs f on each item as subtests that all run at once. The
// SQS tests mostly wait for visibility timeouts and long polls, so they
// should not queue for the -parallel slots (GOMAXPROCS, 2 on small CI
// runners) as t.Parallel subtests would.
func concurrently[T any](t *testing.T, items []T, name func(T) string, f func(t *testing.T, item T)) {
	t.Helper()
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Go(func() { t.Run(name(it), func(t *testing.T) { f(t, it) }) })
	}
	wg.Wait()
}

// onEveryBackend runs f on every testenv backend, concurrently.
func onEveryBackend(t *testing.T, f func(t *testing.T, b testenv.Backend)) {
	t.Helper()
	concurrently(t, backends(t), func(b testenv.Backend) string { return b.Name }, f)
}

var seq atomic.Int64

// uniq makes queue names and bodies unique across the tests sharing a
// backend.
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, seq.Add(1))
}

// testQueue is a queue created for one test, with its dead-letter queue.
type testQueue struct {
	url, arn       string
	dlqURL, dlqARN string
}

// newQueue creates a queue (visibility 180 s, as in template.yaml) whose
// RedrivePolicy sends messages to a new DLQ after 5 receives.
func newQueue(t *testing.T, c *sqs.Client) testQueue {
	t.Helper()
	name := uniq("invoke")
	var q testQueue
	q.dlqURL, q.dlqARN = createQueue(t, c, name+"-dlq", nil)
	q.url, q.arn = createQueue(t, c, name, map[string]string{
		"VisibilityTimeout": "180",
		"RedrivePolicy":     `{"deadLetterTargetArn":"` + q.dlqARN + `","maxReceiveCount":"5"}`,
	})
	return q
}

func createQueue(t *testing.T, c *sqs.Client, name string, attrs map[string]string) (url, arn string) {
	t.Helper()
	ctx := context.Background()
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: out.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatalf("GetQueueAttributes %s: %v", name, err)
	}
	return *out.QueueUrl, a.Attributes["QueueArn"]
}

// send sends n messages with unique bodies and returns the bodies.
func send(t *testing.T, c *sqs.Client, url string, n int) []string {
	t.Helper()
	bodies := make([]string, n)
	entries := make([]types.SendMessageBatchRequestEntry, n)
	for i := range n {
		bodies[i] = `{"bookingId":"` + uniq("b") + `","name":"Иван Петров"}`
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(bodies[i])}
	}
	out, err := c.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
	if err != nil || len(out.Failed) > 0 {
		t.Fatalf("SendMessageBatch: %v %+v", err, out)
	}
	return bodies
}

// counts returns ApproximateNumberOfMessages and
// ApproximateNumberOfMessagesNotVisible. (goaws counts in-flight messages
// in the first too; both are 0 for an empty queue everywhere.)
func counts(t *testing.T, c *sqs.Client, url string) (visible, notVisible string) {
	t.Helper()
	a, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: &url,
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	return a.Attributes["ApproximateNumberOfMessages"], a.Attributes["ApproximateNumberOfMessagesNotVisible"]
}

func assertEmpty(t *testing.T, c *sqs.Client, url string) {
	t.Helper()
	if v, nv := counts(t, c, url); v != "0" || nv != "0" {
		t.Fatalf("queue not empty: %s visible, %s not visible", v, nv)
	}
}

// logBuffer collects slog output from concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLog() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// assertNoBodies fails if the log shows anything of the message bodies
// send makes.
func assertNoBodies(t *testing.T, log *logBuffer) {
	t.Helper()
	if l := log.String(); strings.Contains(l, "bookingId") || strings.Contains(l, "Иван") {
		t.Fatalf("log shows a message body:\n%s", l)
	}
}
