// Package provision creates the template's stateful resources (tables,
// queues, topics, subscriptions, buckets) on any endpoint through the AWS
// SDK: the embedded edge, moto_server or LocalStack. Apply is idempotent, so
// it can run on every start of the local runner.
package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/awsconf"
)

// TableWaitTimeout bounds the wait for a new table to become ACTIVE.
const TableWaitTimeout = 60 * time.Second

// defaultMaxReceiveCount is used when a queue names a DLQ but no count.
const defaultMaxReceiveCount = 5

// Provisioned holds the physical names of what Apply created, keyed by
// logical id.
type Provisioned struct {
	TableNames       map[string]string
	QueueURLs        map[string]string
	QueueARNs        map[string]string
	TopicARNs        map[string]string
	SubscriptionARNs map[string]string
	Buckets          map[string]string
}

// Apply creates the resources of r on the endpoint of cfg, reusing those
// that already exist.
func Apply(ctx context.Context, cfg aws.Config, r *template.Resources) (*Provisioned, error) {
	p := &Provisioned{
		TableNames:       map[string]string{},
		QueueURLs:        map[string]string{},
		QueueARNs:        map[string]string{},
		TopicARNs:        map[string]string{},
		SubscriptionARNs: map[string]string{},
		Buckets:          map[string]string{},
	}
	db := awsconf.DynamoDB(cfg)
	for _, t := range r.Tables {
		if err := applyTable(ctx, db, t); err != nil {
			return nil, fmt.Errorf("provision table %s: %w", t.LogicalID, err)
		}
		p.TableNames[t.LogicalID] = aws.ToString(t.Input.TableName)
	}

	q := awsconf.SQS(cfg)
	queues, err := queueOrder(r.Queues)
	if err != nil {
		return nil, err
	}
	for _, qu := range queues {
		if err := p.applyQueue(ctx, q, qu); err != nil {
			return nil, fmt.Errorf("provision queue %s: %w", qu.LogicalID, err)
		}
	}

	n := awsconf.SNS(cfg)
	for _, t := range r.Topics {
		out, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(t.Name)})
		if err != nil {
			return nil, fmt.Errorf("provision topic %s: %w", t.LogicalID, err)
		}
		p.TopicARNs[t.LogicalID] = aws.ToString(out.TopicArn)
	}
	for _, s := range r.Subscriptions {
		if err := p.applySubscription(ctx, n, s); err != nil {
			return nil, fmt.Errorf("provision subscription %s: %w", s.LogicalID, err)
		}
	}

	c := awsconf.S3(cfg)
	for _, b := range r.Buckets {
		if err := applyBucket(ctx, c, b.Name); err != nil {
			return nil, fmt.Errorf("provision bucket %s: %w", b.LogicalID, err)
		}
		p.Buckets[b.LogicalID] = b.Name
	}
	return p, nil
}

func applyTable(ctx context.Context, db *dynamodb.Client, t template.Table) error {
	if t.Input == nil || t.Input.TableName == nil {
		return errors.New("no CreateTableInput or TableName")
	}
	_, err := db.CreateTable(ctx, t.Input)
	var inUse *ddbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return err
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, 2*time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: t.Input.TableName}, TableWaitTimeout); err != nil {
		return err
	}
	if t.TTLAttribute == "" {
		return nil
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: t.Input.TableName})
	if err != nil {
		return err
	}
	if d := ttl.TimeToLiveDescription; d != nil && aws.ToString(d.AttributeName) == t.TTLAttribute &&
		(d.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabled || d.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: t.Input.TableName,
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{
			AttributeName: aws.String(t.TTLAttribute),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil && !strings.Contains(err.Error(), "already enabled") {
		return err
	}
	return nil
}

// queueOrder puts every dead-letter queue before the queues that use it.
func queueOrder(queues []template.Queue) ([]template.Queue, error) {
	byID := make(map[string]template.Queue, len(queues))
	for _, q := range queues {
		byID[q.LogicalID] = q
	}
	const visiting, done = 1, 2
	state := map[string]int{}
	var out []template.Queue
	var visit func(q template.Queue) error
	visit = func(q template.Queue) error {
		switch state[q.LogicalID] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("provision: dead-letter queues form a cycle at %s", q.LogicalID)
		}
		state[q.LogicalID] = visiting
		if q.DeadLetterQueue != "" {
			dlq, ok := byID[q.DeadLetterQueue]
			if !ok {
				return fmt.Errorf("provision: queue %s: dead-letter queue %s is not defined", q.LogicalID, q.DeadLetterQueue)
			}
			if err := visit(dlq); err != nil {
				return err
			}
		}
		state[q.LogicalID] = done
		out = append(out, q)
		return nil
	}
	for _, q := range queues {
		if err := visit(q); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (p *Provisioned) applyQueue(ctx context.Context, c *sqs.Client, q template.Queue) error {
	attrs := make(map[string]string, len(q.Attributes)+1)
	for k, v := range q.Attributes {
		attrs[k] = v
	}
	if q.DeadLetterQueue != "" {
		count := q.MaxReceiveCount
		if count <= 0 {
			count = defaultMaxReceiveCount
		}
		policy, _ := json.Marshal(map[string]string{
			"deadLetterTargetArn": p.QueueARNs[q.DeadLetterQueue],
			"maxReceiveCount":     strconv.Itoa(count),
		})
		attrs["RedrivePolicy"] = string(policy)
	}

	var url string
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q.Name), Attributes: attrs})
	var exists *sqstypes.QueueNameExists
	switch {
	case err == nil:
		url = aws.ToString(out.QueueUrl)
	case errors.As(err, &exists):
		// Created earlier with other attributes (the template changed): reuse it.
		got, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(q.Name)})
		if err != nil {
			return err
		}
		url = aws.ToString(got.QueueUrl)
	default:
		return err
	}

	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       &url,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return err
	}
	arn := a.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	if arn == "" {
		return errors.New("no QueueArn attribute")
	}
	p.QueueURLs[q.LogicalID], p.QueueARNs[q.LogicalID] = url, arn
	return nil
}

func (p *Provisioned) applySubscription(ctx context.Context, c *sns.Client, s template.Subscription) error {
	topic, ok := p.TopicARNs[s.Topic]
	if !ok {
		return fmt.Errorf("topic %s is not defined", s.Topic)
	}
	endpoint := s.Endpoint
	if s.Protocol == "sqs" {
		if endpoint, ok = p.QueueARNs[s.Endpoint]; !ok {
			return fmt.Errorf("queue %s is not defined", s.Endpoint)
		}
	}
	attrs := map[string]string{}
	if s.FilterPolicy != "" {
		attrs["FilterPolicy"] = s.FilterPolicy
		attrs["FilterPolicyScope"] = "MessageAttributes"
	}
	if s.RawMessageDelivery {
		attrs["RawMessageDelivery"] = "true"
	}
	in := &sns.SubscribeInput{
		TopicArn:              &topic,
		Protocol:              aws.String(s.Protocol),
		Endpoint:              &endpoint,
		Attributes:            attrs,
		ReturnSubscriptionArn: true,
	}
	// Subscribe is idempotent for the same topic, protocol and endpoint.
	out, err := c.Subscribe(ctx, in)
	if err != nil && attrs["FilterPolicyScope"] != "" && isInvalidParameter(err) {
		// An older backend may not know FilterPolicyScope; MessageAttributes
		// is the default scope anyway.
		delete(attrs, "FilterPolicyScope")
		out, err = c.Subscribe(ctx, in)
	}
	if err != nil {
		return err
	}
	p.SubscriptionARNs[s.LogicalID] = aws.ToString(out.SubscriptionArn)
	return nil
}

func isInvalidParameter(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.Contains(ae.ErrorCode(), "InvalidParameter")
}

func applyBucket(ctx context.Context, c *s3.Client, name string) error {
	// In us-east-1 CreateBucket takes no LocationConstraint; elsewhere the
	// SDK's region is the right one.
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if region := c.Options().Region; region != "" && region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	_, err := c.CreateBucket(ctx, in)
	if err == nil {
		return nil
	}
	var owned *s3types.BucketAlreadyOwnedByYou
	var exists *s3types.BucketAlreadyExists
	if !errors.As(err, &owned) && !errors.As(err, &exists) {
		return err
	}
	// Exists: make sure it is ours (reachable with these credentials).
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	return err
}
