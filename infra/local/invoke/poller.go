package invoke

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"
)

// SQSHandler is a Lambda handler for SQS events.
type SQSHandler func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// Defaults of PollerConfig.
const (
	DefaultBatchSize  = 10
	DefaultWaitTime   = 1
	DefaultTimeout    = 30 * time.Second // the SQS workers' Timeout in template.yaml
	DefaultRetryDelay = time.Second      // what the local runner should pass as RetryDelay

	maxBatchSize  = 10    // ReceiveMessage's MaxNumberOfMessages limit
	maxWaitTime   = 20    // ReceiveMessage's WaitTimeSeconds limit
	maxVisibility = 43200 // 12 h, SQS's limit
	ackTimeout    = 10 * time.Second
	pollBackoff   = time.Second
)

// ErrHandlerPanic is wrapped by the error a recovered handler panic
// becomes: logged by the Poller, returned by Scheduler.Run.
var ErrHandlerPanic = errors.New("invoke: handler panicked")

// PollerConfig configures a Poller.
type PollerConfig struct {
	Client   *sqs.Client
	QueueURL string
	QueueARN string // the records' eventSourceARN; looked up once when empty
	Region   string // the records' awsRegion; the client's region when empty

	// BatchSize is the most messages per invocation: default 10, at most 10.
	BatchSize int32
	// WaitTime is the long poll in seconds: default 1 (short, so Close is
	// quick), at most 20.
	WaitTime int32
	// Timeout bounds one invocation, like the function's Timeout (default
	// 30 s). A handler still running at the deadline fails its batch; it is
	// not stopped (Go cannot), but its result is ignored.
	Timeout time.Duration
	// RetryDelay is the visibility timeout given back to failed messages,
	// so that local retries need not wait for the queue's own visibility
	// timeout (180 s in template.yaml); rounded up to whole seconds. The
	// local runner uses DefaultRetryDelay (1 s). Zero (or negative) keeps
	// the queue's visibility timeout, as Lambda does.
	RetryDelay time.Duration
	// IdleDelay, when set, switches to short polls (WaitTimeSeconds 0)
	// with this pause after an empty one: for endpoints that serve one
	// request at a time (the test launcher of moto_server), where a long
	// poll would hold up every other call.
	IdleDelay time.Duration

	Log *slog.Logger // slog.Default() when nil
}

// Poller is a local SQS event source mapping: it receives batches from one
// queue, invokes a handler with them and deletes what the handler processed.
type Poller struct {
	cfg   PollerConfig
	h     SQSHandler
	log   *slog.Logger
	queue string // queue name, for logs

	arnMu sync.Mutex
	arn   string

	// noVisibilityBatch is set once the endpoint rejected
	// ChangeMessageVisibilityBatch (goaws lacks it); single calls follow.
	noVisibilityBatch atomic.Bool

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// NewPoller returns a Poller for cfg.QueueURL that invokes h; Start or
// PollOnce drive it.
func NewPoller(cfg PollerConfig, h SQSHandler) *Poller {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	cfg.BatchSize = min(cfg.BatchSize, maxBatchSize)
	if cfg.WaitTime <= 0 {
		cfg.WaitTime = DefaultWaitTime
	}
	cfg.WaitTime = min(cfg.WaitTime, maxWaitTime)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Region == "" && cfg.Client != nil {
		cfg.Region = cfg.Client.Options().Region
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	queue := cfg.QueueURL[strings.LastIndex(cfg.QueueURL, "/")+1:]
	return &Poller{cfg: cfg, h: h, log: log.With("queue", queue), queue: queue, arn: cfg.QueueARN}
}

// Start polls in a goroutine until ctx ends or Close is called. Receive
// errors are logged and retried after a second. Starting a started Poller
// does nothing; after Close it can be started again.
func (p *Poller) Start(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done != nil {
		return
	}
	ctx, p.cancel = context.WithCancel(ctx)
	p.done = make(chan struct{})
	go p.loop(ctx, p.done)
}

// Close stops polling and waits for the current cycle to end. An
// invocation in flight sees its context cancelled and is waited for no
// longer: if it has not returned, its batch fails (nothing is deleted); a
// batch it finished is still acknowledged. Close on a Poller that was not
// started does nothing.
func (p *Poller) Close() {
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.cancel, p.done = nil, nil
	p.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

func (p *Poller) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	for ctx.Err() == nil {
		pause := time.Duration(0)
		n, _, err := p.PollOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			p.log.Warn("sqs poll failed", "error", err)
			pause = pollBackoff
		case n == 0:
			pause = p.cfg.IdleDelay
		}
		if pause > 0 {
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
	}
}

func (p *Poller) waitTime() int32 {
	if p.cfg.IdleDelay > 0 {
		return 0
	}
	return p.cfg.WaitTime
}

// PollOnce runs one cycle: a receive (long poll of WaitTime), an invocation
// if messages came, and their acknowledgement. It reports how many messages
// were received and how many failed (were not deleted). err is a failed
// receive or acknowledgement, not a handler failure: that is counted in
// failed and logged.
func (p *Poller) PollOnce(ctx context.Context) (received, failed int, err error) {
	arn, err := p.queueARN(ctx)
	if err != nil {
		return 0, 0, err
	}
	out, err := p.cfg.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(p.cfg.QueueURL),
		MaxNumberOfMessages:         p.cfg.BatchSize,
		WaitTimeSeconds:             p.waitTime(),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		return 0, 0, fmt.Errorf("invoke: receive from %s: %w", p.queue, err)
	}
	msgs := out.Messages
	if len(msgs) == 0 {
		return 0, 0, nil
	}

	requestID := uuid.NewString()
	start := time.Now()
	resp, herr := p.invoke(ctx, requestID, p.event(msgs, arn))
	failedIdx, whole := batchFailures(msgs, resp, herr)
	log := p.log.With("request_id", requestID, "received", len(msgs), "failed", len(failedIdx),
		"duration", time.Since(start).Round(time.Millisecond))
	switch {
	case herr != nil:
		log.Warn("sqs batch failed", "error", herr)
	case whole != "":
		log.Warn("sqs batch failed", "reason", whole)
	case len(failedIdx) > 0:
		log.Info("sqs batch partly failed")
	default:
		log.Info("sqs batch processed")
	}

	// Acknowledge even when ctx was cancelled meanwhile (Close): the work is
	// done and deleting it keeps it from running again.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	err = errors.Join(p.deleteSucceeded(actx, msgs, failedIdx), p.delayFailed(actx, msgs, failedIdx))
	return len(msgs), len(failedIdx), err
}

func (p *Poller) queueARN(ctx context.Context) (string, error) {
	p.arnMu.Lock()
	defer p.arnMu.Unlock()
	if p.arn != "" {
		return p.arn, nil
	}
	out, err := p.cfg.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(p.cfg.QueueURL),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", fmt.Errorf("invoke: ARN of %s: %w", p.queue, err)
	}
	p.arn = out.Attributes[string(types.QueueAttributeNameQueueArn)]
	if p.arn == "" {
		return "", fmt.Errorf("invoke: %s has no QueueArn attribute", p.queue)
	}
	return p.arn, nil
}

// event builds the records as the event source mapping does.
func (p *Poller) event(msgs []types.Message, arn string) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(msgs))}
	for i, m := range msgs {
		attrs := make(map[string]string, len(m.Attributes))
		for k, v := range m.Attributes {
			attrs[k] = v
		}
		mattrs := make(map[string]events.SQSMessageAttribute, len(m.MessageAttributes))
		for k, v := range m.MessageAttributes {
			mattrs[k] = events.SQSMessageAttribute{
				StringValue:      v.StringValue,
				BinaryValue:      v.BinaryValue,
				StringListValues: append([]string{}, v.StringListValues...),
				BinaryListValues: append([][]byte{}, v.BinaryListValues...),
				DataType:         aws.ToString(v.DataType),
			}
		}
		ev.Records[i] = events.SQSMessage{
			MessageId:              aws.ToString(m.MessageId),
			ReceiptHandle:          aws.ToString(m.ReceiptHandle),
			Body:                   aws.ToString(m.Body),
			Md5OfBody:              aws.ToString(m.MD5OfBody),
			Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
			Attributes:             attrs,
			MessageAttributes:      mattrs,
			EventSourceARN:         arn,
			EventSource:            "aws:sqs",
			AWSRegion:              p.cfg.Region,
		}
	}
	return ev
}

// invoke calls the handler with a Lambda context and the function's
// deadline. A panic becomes an error; a handler that outlives its deadline
// (or ctx) fails the batch and is left to finish on its own.
func (p *Poller) invoke(ctx context.Context, requestID string, ev events.SQSEvent) (events.SQSEventResponse, error) {
	ictx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	ictx = lambdacontext.NewContext(ictx, &lambdacontext.LambdaContext{AwsRequestID: requestID})

	type result struct {
		resp events.SQSEventResponse
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if v := recover(); v != nil {
				p.log.Error("sqs handler panicked", "request_id", requestID,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				r = result{err: fmt.Errorf("%w: %v", ErrHandlerPanic, v)}
			}
			done <- r
		}()
		r.resp, r.err = p.h(ictx, ev)
	}()

	select {
	case r := <-done:
		return r.resp, r.err
	case <-ictx.Done():
		select {
		case r := <-done: // finished just now
			return r.resp, r.err
		default:
		}
		if errors.Is(ictx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			return events.SQSEventResponse{}, fmt.Errorf("invoke: task timed out after %v", p.cfg.Timeout)
		}
		return events.SQSEventResponse{}, fmt.Errorf("invoke: invocation abandoned: %w", ictx.Err())
	}
}

// batchFailures returns the indexes of the messages that failed and, when
// the whole batch failed because of the response, why.
func batchFailures(msgs []types.Message, resp events.SQSEventResponse, herr error) (failed []int, whole string) {
	all := func() []int {
		idx := make([]int, len(msgs))
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	if herr != nil {
		return all(), ""
	}
	byID := make(map[string][]int, len(msgs))
	for i, m := range msgs {
		id := aws.ToString(m.MessageId)
		byID[id] = append(byID[id], i)
	}
	isFailed := make([]bool, len(msgs))
	for _, f := range resp.BatchItemFailures {
		idx, ok := byID[f.ItemIdentifier]
		if f.ItemIdentifier == "" || !ok {
			// Lambda: an empty or unknown itemIdentifier fails the whole batch.
			return all(), "batchItemFailures lists an itemIdentifier that is not in the batch"
		}
		for _, i := range idx {
			isFailed[i] = true
		}
	}
	for i, f := range isFailed {
		if f {
			failed = append(failed, i)
		}
	}
	return failed, ""
}

func (p *Poller) deleteSucceeded(ctx context.Context, msgs []types.Message, failed []int) error {
	isFailed := make(map[int]bool, len(failed))
	for _, i := range failed {
		isFailed[i] = true
	}
	var entries []types.DeleteMessageBatchRequestEntry
	for i, m := range msgs {
		if !isFailed[i] {
			entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
	}
	if len(entries) == 0 {
		return nil
	}
	out, err := p.cfg.Client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.cfg.QueueURL), Entries: entries})
	if err != nil {
		return fmt.Errorf("invoke: delete %d messages from %s: %w", len(entries), p.queue, err)
	}
	return batchErrors("delete", p.queue, msgs, out.Failed)
}

// delayFailed makes the failed messages visible again after RetryDelay.
func (p *Poller) delayFailed(ctx context.Context, msgs []types.Message, failed []int) error {
	if p.cfg.RetryDelay <= 0 || len(failed) == 0 {
		return nil
	}
	secs := int32(min(math.Ceil(p.cfg.RetryDelay.Seconds()), maxVisibility))
	if !p.noVisibilityBatch.Load() {
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(failed))
		for n, i := range failed {
			entries[n] = types.ChangeMessageVisibilityBatchRequestEntry{
				Id: aws.String(strconv.Itoa(i)), ReceiptHandle: msgs[i].ReceiptHandle, VisibilityTimeout: secs,
			}
		}
		out, err := p.cfg.Client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{
			QueueUrl: aws.String(p.cfg.QueueURL), Entries: entries,
		})
		if err == nil {
			return batchErrors("change visibility of", p.queue, msgs, out.Failed)
		}
		var re *awshttp.ResponseError
		if !errors.As(err, &re) || re.HTTPStatusCode() < 400 || re.HTTPStatusCode() >= 500 {
			return fmt.Errorf("invoke: change visibility of %d messages in %s: %w", len(failed), p.queue, err)
		}
		// The endpoint refused the batch call: goaws has no
		// ChangeMessageVisibilityBatch (the edge answers 400 "Bad Request").
		// Single calls do the same.
		p.noVisibilityBatch.Store(true)
		p.log.Info("ChangeMessageVisibilityBatch refused; using ChangeMessageVisibility", "error", err)
	}
	var errs []error
	for _, i := range failed {
		if _, err := p.cfg.Client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(p.cfg.QueueURL), ReceiptHandle: msgs[i].ReceiptHandle, VisibilityTimeout: secs,
		}); err != nil {
			errs = append(errs, fmt.Errorf("invoke: change visibility of message %s in %s: %w", aws.ToString(msgs[i].MessageId), p.queue, err))
		}
	}
	return errors.Join(errs...)
}

func batchErrors(op, queue string, msgs []types.Message, failed []types.BatchResultErrorEntry) error {
	var errs []error
	for _, f := range failed {
		id := aws.ToString(f.Id)
		if i, err := strconv.Atoi(id); err == nil && i >= 0 && i < len(msgs) {
			id = aws.ToString(msgs[i].MessageId)
		}
		errs = append(errs, fmt.Errorf("invoke: %s message %s in %s: %s: %s", op, id, queue, aws.ToString(f.Code), aws.ToString(f.Message)))
	}
	return errors.Join(errs...)
}
