package provision_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/zapis/zapis/infra/emulators"
	"github.com/zapis/zapis/infra/provision"
	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/awsconf"
)

var (
	edge *emulators.Edge
	moto *emulators.Moto
)

func TestMain(m *testing.M) {
	var err error
	if edge, err = emulators.Start(""); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	moto, err = emulators.StartMoto(ctx)
	cancel()
	switch {
	case errors.Is(err, emulators.ErrMotoNotInstalled):
		fmt.Fprintln(os.Stderr, "moto_server not on PATH: skipping the moto backend")
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		edge.Close()
		os.Exit(1)
	}
	code := m.Run()
	edge.Close()
	if moto != nil {
		moto.Close()
	}
	os.Exit(code)
}

// resources mirrors DESIGN.md: one table with three GSIs and TTL, two work
// queues with DLQs, three channel queues, the topic with filtered raw
// subscriptions, and the documents bucket. Work queues come before their
// DLQs on purpose: Apply must order them.
func resources() *template.Resources {
	str := ddbtypes.ScalarAttributeTypeS
	attr := func(n string) ddbtypes.AttributeDefinition {
		return ddbtypes.AttributeDefinition{AttributeName: aws.String(n), AttributeType: str}
	}
	key := func(hash, rng string) []ddbtypes.KeySchemaElement {
		return []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String(hash), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String(rng), KeyType: ddbtypes.KeyTypeRange},
		}
	}
	gsi := func(name, n string) ddbtypes.GlobalSecondaryIndex {
		return ddbtypes.GlobalSecondaryIndex{
			IndexName:  aws.String(name),
			KeySchema:  key("GSI"+n+"PK", "GSI"+n+"SK"),
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll},
		}
	}
	r := &template.Resources{
		Tables: []template.Table{{
			LogicalID: "DataTable",
			Input: &dynamodb.CreateTableInput{
				TableName:   aws.String("zapis-data"),
				BillingMode: ddbtypes.BillingModePayPerRequest,
				AttributeDefinitions: []ddbtypes.AttributeDefinition{
					attr("PK"), attr("SK"), attr("GSI1PK"), attr("GSI1SK"), attr("GSI2PK"), attr("GSI2SK"), attr("GSI3PK"), attr("GSI3SK"),
				},
				KeySchema:              key("PK", "SK"),
				GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{gsi("ByCitizen", "1"), gsi("ByInstitutionDay", "2"), gsi("ByDue", "3")},
			},
			TTLAttribute: "ttl",
		}},
		Queues: []template.Queue{
			{LogicalID: "DocumentCheckQueue", Name: "zapis-document-check", Attributes: map[string]string{"VisibilityTimeout": "180"}, DeadLetterQueue: "DocumentCheckDLQ", MaxReceiveCount: 5},
			{LogicalID: "DocumentCheckDLQ", Name: "zapis-document-check-dlq", Attributes: map[string]string{"MessageRetentionPeriod": "1209600"}},
			{LogicalID: "ConfirmationQueue", Name: "zapis-confirmation", Attributes: map[string]string{"VisibilityTimeout": "180"}, DeadLetterQueue: "ConfirmationDLQ"},
			{LogicalID: "ConfirmationDLQ", Name: "zapis-confirmation-dlq"},
		},
		Topics:  []template.Topic{{LogicalID: "NotificationsTopic", Name: "zapis-notifications"}},
		Buckets: []template.Bucket{{LogicalID: "DocumentsBucket", Name: "zapis-documents-000000000000-us-east-1"}},
	}
	for _, ch := range []string{"Sms", "Email", "Push"} {
		r.Queues = append(r.Queues, template.Queue{LogicalID: ch + "DeliveryQueue", Name: "zapis-notify-" + strings.ToLower(ch)})
		r.Subscriptions = append(r.Subscriptions, template.Subscription{
			LogicalID:          ch + "Subscription",
			Topic:              "NotificationsTopic",
			Protocol:           "sqs",
			Endpoint:           ch + "DeliveryQueue",
			FilterPolicy:       `{"channel":["` + strings.ToLower(ch) + `"]}`,
			RawMessageDelivery: true,
		})
	}
	return r
}

func TestApply(t *testing.T) {
	type backend struct {
		name, url string
		reset     func() error
	}
	backends := []backend{{"edge", edge.URL(), nil}}
	if moto != nil {
		backends = append(backends, backend{"moto", moto.URL(), moto.Reset})
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			if b.reset != nil {
				if err := b.reset(); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cfg, err := awsconf.Load(ctx, b.url)
			if err != nil {
				t.Fatal(err)
			}
			res := resources()

			start := time.Now()
			p, err := provision.Apply(ctx, cfg, res)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			t.Logf("first Apply took %v", time.Since(start))
			check(t, ctx, cfg, p)

			// Twice, and again after a queue attribute changed in the template.
			p2, err := provision.Apply(ctx, cfg, res)
			if err != nil {
				t.Fatalf("second Apply: %v", err)
			}
			res.Queues[0].Attributes["VisibilityTimeout"] = "240"
			p3, err := provision.Apply(ctx, cfg, res)
			if err != nil {
				t.Fatalf("Apply with a changed queue: %v", err)
			}
			for _, q := range []*provision.Provisioned{p2, p3} {
				if !maps.Equal(p.TableNames, q.TableNames) || !maps.Equal(p.QueueURLs, q.QueueURLs) ||
					!maps.Equal(p.QueueARNs, q.QueueARNs) || !maps.Equal(p.TopicARNs, q.TopicARNs) || !maps.Equal(p.Buckets, q.Buckets) {
					t.Fatalf("re-Apply changed names:\n%+v\n%+v", p, q)
				}
			}
			check(t, ctx, cfg, p3)
		})
	}
}

func check(t *testing.T, ctx context.Context, cfg aws.Config, p *provision.Provisioned) {
	t.Helper()
	db, q, n, c := awsconf.DynamoDB(cfg), awsconf.SQS(cfg), awsconf.SNS(cfg), awsconf.S3(cfg)

	table, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(p.TableNames["DataTable"])})
	if err != nil {
		t.Fatal(err)
	}
	var indexes []string
	for _, g := range table.Table.GlobalSecondaryIndexes {
		indexes = append(indexes, aws.ToString(g.IndexName))
	}
	slices.Sort(indexes)
	if table.Table.TableStatus != ddbtypes.TableStatusActive || !slices.Equal(indexes, []string{"ByCitizen", "ByDue", "ByInstitutionDay"}) {
		t.Fatalf("table %s, indexes %q", table.Table.TableStatus, indexes)
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: table.Table.TableName})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled ||
		aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "ttl" {
		t.Fatalf("TTL %+v, %v", ttl, err)
	}

	if len(p.QueueURLs) != 7 || len(p.QueueARNs) != 7 {
		t.Fatalf("queues %v", p.QueueURLs)
	}
	for id, dlq := range map[string]string{"DocumentCheckQueue": "DocumentCheckDLQ", "ConfirmationQueue": "ConfirmationDLQ"} {
		a, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(p.QueueURLs[id]), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameRedrivePolicy},
		})
		policy := a.Attributes["RedrivePolicy"]
		if err != nil || !strings.Contains(policy, p.QueueARNs[dlq]) || !strings.Contains(strings.ReplaceAll(policy, " ", ""), `"maxReceiveCount":5`) &&
			!strings.Contains(strings.ReplaceAll(policy, " ", ""), `"maxReceiveCount":"5"`) {
			t.Fatalf("%s RedrivePolicy %q, %v", id, policy, err)
		}
	}

	subs, err := n.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(p.TopicARNs["NotificationsTopic"])})
	if err != nil || len(subs.Subscriptions) != 3 {
		t.Fatalf("subscriptions %+v, %v", subs, err)
	}
	if _, err := n.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(p.TopicARNs["NotificationsTopic"]),
		Message:  aws.String(`{"bookingId":"b1"}`),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"channel": {DataType: aws.String("String"), StringValue: aws.String("sms")},
		},
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"SmsDeliveryQueue", "EmailDeliveryQueue", "PushDeliveryQueue"} {
		var wait int32
		if id == "SmsDeliveryQueue" {
			wait = 2
		}
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(p.QueueURLs[id]), MaxNumberOfMessages: 10, WaitTimeSeconds: wait})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if id == "SmsDeliveryQueue" {
			want = 1
		}
		if len(out.Messages) != want {
			t.Fatalf("%s got %d messages, want %d", id, len(out.Messages), want)
		}
		for _, m := range out.Messages {
			if aws.ToString(m.Body) != `{"bookingId":"b1"}` {
				t.Fatalf("%s: body %q is not raw", id, aws.ToString(m.Body))
			}
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(p.QueueURLs[id]), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}

	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(p.Buckets["DocumentsBucket"])}); err != nil {
		t.Fatalf("HeadBucket: %v", err)
	}
}

func TestApplyRejectsBadReferences(t *testing.T) {
	cfg, err := awsconf.Load(context.Background(), edge.URL())
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*template.Resources{
		"missing DLQ": {Queues: []template.Queue{{LogicalID: "A", Name: "a", DeadLetterQueue: "B"}}},
		"DLQ cycle": {Queues: []template.Queue{
			{LogicalID: "A", Name: "a", DeadLetterQueue: "B"},
			{LogicalID: "B", Name: "b", DeadLetterQueue: "A"},
		}},
		"missing topic": {Subscriptions: []template.Subscription{{LogicalID: "S", Topic: "T", Protocol: "sqs", Endpoint: "Q"}}},
	} {
		if _, err := provision.Apply(context.Background(), cfg, r); err == nil {
			t.Errorf("%s: Apply succeeded", name)
		}
	}
}
