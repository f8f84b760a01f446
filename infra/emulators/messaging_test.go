package emulators

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/zapis/zapis/shared/awsconf"
)

func createQueue(t *testing.T, q *sqs.Client, name string, attrs map[string]string) (url, arn string) {
	t.Helper()
	ctx := context.Background()
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	a, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: out.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
	})
	if err != nil {
		t.Fatalf("GetQueueAttributes %s: %v", name, err)
	}
	return *out.QueueUrl, a.Attributes["QueueArn"]
}

func receive(t *testing.T, q *sqs.Client, url string, wait int32) []types.Message {
	t.Helper()
	out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl:                    &url,
		MaxNumberOfMessages:         10,
		WaitTimeSeconds:             wait,
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	})
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

func TestSQS(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			cfg, logs := loadConfig(t, b.url)
			q := awsconf.SQS(cfg)

			name := uniq("document-check")
			_, dlqARN := createQueue(t, q, name+"-dlq", nil)
			url, arn := createQueue(t, q, name, map[string]string{
				"VisibilityTimeout": "1",
				"RedrivePolicy":     `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":"5"}`,
			})
			if !strings.HasPrefix(url, b.url+"/") || !strings.HasSuffix(url, "/"+AccountID+"/"+name) {
				t.Fatalf("queue URL %s does not point at %s", url, b.url)
			}
			if arn != "arn:aws:sqs:"+Region+":"+AccountID+":"+name {
				t.Fatalf("queue ARN %s", arn)
			}
			attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
				QueueUrl: &url, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameRedrivePolicy},
			})
			if err != nil || !strings.Contains(attrs.Attributes["RedrivePolicy"], dlqARN) {
				t.Fatalf("RedrivePolicy = %q, %v", attrs.Attributes["RedrivePolicy"], err)
			}
			got, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
			if err != nil || *got.QueueUrl != url {
				t.Fatalf("GetQueueUrl = %v, %v", got, err)
			}

			if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{
				QueueUrl: &url, MessageBody: aws.String(`{"bookingId":"b1"} <&>`),
				MessageAttributes: map[string]types.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("check")}},
			}); err != nil {
				t.Fatalf("SendMessage: %v", err)
			}
			msgs := receive(t, q, url, 1)
			if len(msgs) != 1 || *msgs[0].Body != `{"bookingId":"b1"} <&>` || *msgs[0].MessageAttributes["kind"].StringValue != "check" {
				t.Fatalf("received %+v", msgs)
			}
			if c := msgs[0].Attributes["ApproximateReceiveCount"]; c != "1" {
				t.Fatalf("first ApproximateReceiveCount = %s", c)
			}
			// Not deleted: it comes back after the 1 s visibility timeout, counted.
			again := receive(t, q, url, 5)
			if len(again) != 1 || *again[0].MessageId != *msgs[0].MessageId {
				t.Fatalf("redelivery %+v", again)
			}
			if c := again[0].Attributes["ApproximateReceiveCount"]; c != "2" {
				t.Fatalf("second ApproximateReceiveCount = %s", c)
			}
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: again[0].ReceiptHandle}); err != nil {
				t.Fatalf("DeleteMessage: %v", err)
			}
			if msgs := receive(t, q, url, 0); len(msgs) != 0 {
				t.Fatalf("after delete: %+v", msgs)
			}

			_, err = q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(uniq("missing"))})
			var dne *types.QueueDoesNotExist
			if !errors.As(err, &dne) {
				t.Fatalf("GetQueueUrl of a missing queue: %T %v", err, err)
			}
			if l := logs.String(); l != "" {
				t.Fatalf("SDK logged:\n%s", l)
			}
		})
	}
}

// TestSQSLongPollAndConcurrency: a long poll returns as soon as a message
// arrives, and queue creation, sends and polls can run at once (the edge
// guards goaws' unlocked maps; -race checks it).
func TestSQSLongPollAndConcurrency(t *testing.T) {
	ctx := context.Background()
	cfg, _ := loadConfig(t, testEdge.URL())
	q := awsconf.SQS(cfg)
	url, _ := createQueue(t, q, uniq("poll"), nil)

	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() {
		time.Sleep(300 * time.Millisecond)
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("late")}); err != nil {
			t.Error(err)
		}
	})
	for i := range 4 {
		wg.Go(func() {
			u, _ := createQueue(t, q, uniq(fmt.Sprint("side", i)), nil)
			if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &u, MessageBody: aws.String("x")}); err != nil {
				t.Error(err)
			}
			receive(t, q, u, 1)
		})
	}
	msgs := receive(t, q, url, 5)
	wg.Wait()
	if len(msgs) != 1 || *msgs[0].Body != "late" {
		t.Fatalf("long poll got %+v", msgs)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("long poll took %v", d)
	}

	// An empty long poll waits about WaitTimeSeconds, then returns nothing.
	start = time.Now()
	if msgs := receive(t, q, url, 1); len(msgs) != 0 {
		t.Fatalf("empty poll got %+v", msgs)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("empty long poll returned after %v", d)
	}
}

func TestSNSFilterPolicyToSQS(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			cfg, logs := loadConfig(t, b.url)
			q, n := awsconf.SQS(cfg), awsconf.SNS(cfg)

			topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(uniq("notifications"))})
			if err != nil {
				t.Fatalf("CreateTopic: %v", err)
			}
			urls := map[string]string{}
			for _, channel := range []string{"sms", "email", "push"} {
				url, arn := createQueue(t, q, uniq("notify-"+channel), nil)
				urls[channel] = url
				if _, err := n.Subscribe(ctx, &sns.SubscribeInput{
					TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: &arn,
					Attributes: map[string]string{
						"FilterPolicy":       `{"channel":["` + channel + `"]}`,
						"FilterPolicyScope":  "MessageAttributes",
						"RawMessageDelivery": "true",
					},
				}); err != nil {
					t.Fatalf("Subscribe: %v", err)
				}
			}

			pub, err := n.Publish(ctx, &sns.PublishInput{
				TopicArn: topic.TopicArn,
				Message:  aws.String(`{"bookingId":"b1","text":"Напоминание"}`),
				MessageAttributes: map[string]snstypes.MessageAttributeValue{
					"channel": {DataType: aws.String("String"), StringValue: aws.String("email")},
					"kind":    {DataType: aws.String("String"), StringValue: aws.String("remind-24h")},
				},
			})
			if err != nil || aws.ToString(pub.MessageId) == "" {
				t.Fatalf("Publish: %v, %v", pub, err)
			}

			msgs := receive(t, q, urls["email"], 2)
			if len(msgs) != 1 || *msgs[0].Body != `{"bookingId":"b1","text":"Напоминание"}` {
				t.Fatalf("email queue got %+v", msgs)
			}
			if v := msgs[0].MessageAttributes["kind"]; aws.ToString(v.StringValue) != "remind-24h" {
				t.Fatalf("raw delivery lost attributes: %+v", msgs[0].MessageAttributes)
			}
			for _, other := range []string{"sms", "push"} {
				if msgs := receive(t, q, urls[other], 0); len(msgs) != 0 {
					t.Fatalf("%s queue got %+v", other, msgs)
				}
			}
			if l := logs.String(); l != "" {
				t.Fatalf("SDK logged:\n%s", l)
			}
		})
	}
}

// TestGoawsConcurrentControlAndData mixes calls that change goaws' maps
// (CreateQueue, Subscribe) with calls that read them without goaws taking a
// lock (SendMessage, ReceiveMessage, Publish); -race fails without the edge's
// guard.
func TestGoawsConcurrentControlAndData(t *testing.T) {
	ctx := context.Background()
	cfg, _ := loadConfig(t, testEdge.URL())
	q, n := awsconf.SQS(cfg), awsconf.SNS(cfg)
	url, _ := createQueue(t, q, uniq("busy"), nil)
	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(uniq("busy"))})
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			for j := range 5 {
				_, arn := createQueue(t, q, uniq(fmt.Sprint("new", i, j)), nil)
				if _, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: &arn}); err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			for range 10 {
				if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("m")}); err != nil {
					t.Error(err)
				}
				if _, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("p")}); err != nil {
					t.Error(err)
				}
				receive(t, q, url, 0)
			}
		})
	}
	wg.Wait()
}
