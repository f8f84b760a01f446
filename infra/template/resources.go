// Package template reads the SAM template: its HTTP routes and functions, and
// the resources (table, queues, topic, subscriptions, bucket) that the local
// runner and the tests create on an emulator, so that local and deployed
// stacks share one definition.
package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Names resolves the pseudo parameters used in resource names.
type Names struct {
	StackName string // "zapis" locally
	Region    string // "us-east-1" locally
	AccountID string // "000000000000" locally
}

// LocalNames are the names used by the local runner, the tests and LocalStack.
var LocalNames = Names{StackName: "zapis", Region: "us-east-1", AccountID: "000000000000"}

// Resources are the stateful resources of the template, resolved with Names.
type Resources struct {
	Tables        []Table
	Queues        []Queue
	Topics        []Topic
	Subscriptions []Subscription
	Buckets       []Bucket
}

// Table is an AWS::DynamoDB::Table.
type Table struct {
	LogicalID    string
	Input        *dynamodb.CreateTableInput // TableName, keys, attribute definitions, GSIs, billing
	TTLAttribute string                     // "" when TTL is off
}

// Queue is an AWS::SQS::Queue.
type Queue struct {
	LogicalID       string
	Name            string
	Attributes      map[string]string // SQS attribute names: VisibilityTimeout, MessageRetentionPeriod, …
	DeadLetterQueue string            // logical id of the DLQ, "" when none
	MaxReceiveCount int               // from RedrivePolicy
}

// Topic is an AWS::SNS::Topic.
type Topic struct {
	LogicalID string
	Name      string
}

// Subscription is an AWS::SNS::Subscription of a queue to a topic.
type Subscription struct {
	LogicalID          string
	Topic              string // logical id
	Protocol           string // "sqs"
	Endpoint           string // logical id of the queue
	FilterPolicy       string // JSON, "" when none
	FilterPolicyScope  string // "MessageAttributes" (the default) or "MessageBody"
	RawMessageDelivery bool
}

// Bucket is an AWS::S3::Bucket.
type Bucket struct {
	LogicalID string
	Name      string
}

// Function is an AWS::Serverless::Function.
type Function struct {
	LogicalID   string
	Folder      string            // functions/<kebab-name>, derived from LogicalID
	Environment map[string]string // literal values; references are resolved by the caller
	EnvRefs     map[string]string // variable → "X" for !Ref X, "X.Attr" for !GetAtt X.Attr (TABLE_NAME → DataTable)
	// EnvComputed are variables set by other intrinsics (a !Sub with a
	// Secrets Manager dynamic reference): declared, known only in AWS.
	EnvComputed map[string]bool
	CodeURI     string // CodeUri, "." here
	BuildMethod string // Metadata.BuildMethod, "makefile" here
	Routes      []Route
	Schedules   []Schedule
	Queues      []string // logical ids of SQS event sources
}

// Route is an HttpApi event of a function.
type Route struct {
	Method   string // upper case
	Path     string // "/services/{id}"
	Function string // logical id
	Public   bool   // Auth.Authorizer: NONE
}

// Schedule is a Schedule/ScheduleV2 event of a function.
type Schedule struct {
	Name       string // event name
	Expression string // "rate(5 minutes)"
}

// Resource types that Resources reads.
const (
	TypeTable        = "AWS::DynamoDB::Table"
	TypeQueue        = "AWS::SQS::Queue"
	TypeTopic        = "AWS::SNS::Topic"
	TypeSubscription = "AWS::SNS::Subscription"
	TypeBucket       = "AWS::S3::Bucket"
)

// Resources returns the template's stateful resources with their names
// resolved with n. Each kind is sorted by logical id, except queues: a
// dead-letter queue comes before the queues that use it. It reports every
// property it cannot resolve (a !Sub of anything but the stack name, region
// and account id, a missing name) at once.
func (t *Template) Resources(n Names) (*Resources, error) {
	var r Resources
	var errs []error
	fail := func(id string, err error) { errs = append(errs, fmt.Errorf("%s: %w", id, err)) }

	for _, d := range t.Definitions(TypeTable) {
		tbl, err := table(d, n)
		if err != nil {
			fail(d.LogicalID, err)
			continue
		}
		r.Tables = append(r.Tables, tbl)
	}

	var queues []Queue
	for _, d := range t.Definitions(TypeQueue) {
		q, err := queue(d, n)
		if err != nil {
			fail(d.LogicalID, err)
			continue
		}
		queues = append(queues, q)
	}
	ordered, err := dlqFirst(queues)
	if err != nil {
		errs = append(errs, err)
	}
	r.Queues = ordered

	for _, d := range t.Definitions(TypeTopic) {
		name, err := nameOf(d, "TopicName", n)
		if err != nil {
			fail(d.LogicalID, err)
			continue
		}
		r.Topics = append(r.Topics, Topic{LogicalID: d.LogicalID, Name: name})
	}

	for _, d := range t.Definitions(TypeSubscription) {
		s, err := subscription(d, n)
		if err != nil {
			fail(d.LogicalID, err)
			continue
		}
		r.Subscriptions = append(r.Subscriptions, s)
	}

	for _, d := range t.Definitions(TypeBucket) {
		name, err := nameOf(d, "BucketName", n)
		if err != nil {
			fail(d.LogicalID, err)
			continue
		}
		r.Buckets = append(r.Buckets, Bucket{LogicalID: d.LogicalID, Name: name})
	}

	if len(errs) > 0 {
		return nil, fmt.Errorf("template resources: %w", errors.Join(errs...))
	}
	return &r, nil
}

// table builds the CreateTableInput of an AWS::DynamoDB::Table: keys,
// attributes, indexes and billing. Encryption, point-in-time recovery and
// deletion protection are AWS-side settings that emulators ignore or
// reject, so they are left out.
func table(d Definition, n Names) (Table, error) {
	name, err := nameOf(d, "TableName", n)
	if err != nil {
		return Table{}, err
	}
	p := d.Properties
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModeProvisioned, // CloudFormation's default
	}
	if bm, ok := p["BillingMode"].(string); ok {
		in.BillingMode = types.BillingMode(bm)
	}
	for _, a := range listOf(p["AttributeDefinitions"]) {
		m := mapOf(a)
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(str(m["AttributeName"])),
			AttributeType: types.ScalarAttributeType(str(m["AttributeType"])),
		})
	}
	in.KeySchema = keySchema(p["KeySchema"])
	if len(in.KeySchema) == 0 {
		return Table{}, errors.New("no KeySchema")
	}
	if in.BillingMode == types.BillingModeProvisioned {
		if in.ProvisionedThroughput, err = throughput(p["ProvisionedThroughput"]); err != nil {
			return Table{}, err
		}
	}
	for _, g := range listOf(p["GlobalSecondaryIndexes"]) {
		m := mapOf(g)
		gsi := types.GlobalSecondaryIndex{
			IndexName:  aws.String(str(m["IndexName"])),
			KeySchema:  keySchema(m["KeySchema"]),
			Projection: projection(m["Projection"]),
		}
		if in.BillingMode == types.BillingModeProvisioned {
			if gsi.ProvisionedThroughput, err = throughput(m["ProvisionedThroughput"]); err != nil {
				return Table{}, fmt.Errorf("index %s: %w", str(m["IndexName"]), err)
			}
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi)
	}
	for _, l := range listOf(p["LocalSecondaryIndexes"]) {
		m := mapOf(l)
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName:  aws.String(str(m["IndexName"])),
			KeySchema:  keySchema(m["KeySchema"]),
			Projection: projection(m["Projection"]),
		})
	}
	tbl := Table{LogicalID: d.LogicalID, Input: in}
	if ttl := mapOf(p["TimeToLiveSpecification"]); truthy(ttl["Enabled"]) {
		tbl.TTLAttribute = str(ttl["AttributeName"])
	}
	return tbl, nil
}

func keySchema(v any) []types.KeySchemaElement {
	var out []types.KeySchemaElement
	for _, k := range listOf(v) {
		m := mapOf(k)
		out = append(out, types.KeySchemaElement{
			AttributeName: aws.String(str(m["AttributeName"])),
			KeyType:       types.KeyType(str(m["KeyType"])),
		})
	}
	return out
}

func projection(v any) *types.Projection {
	m := mapOf(v)
	p := &types.Projection{ProjectionType: types.ProjectionType(str(m["ProjectionType"]))}
	if p.ProjectionType == "" {
		p.ProjectionType = types.ProjectionTypeKeysOnly // CloudFormation's default
	}
	for _, a := range listOf(m["NonKeyAttributes"]) {
		p.NonKeyAttributes = append(p.NonKeyAttributes, str(a))
	}
	return p
}

func throughput(v any) (*types.ProvisionedThroughput, error) {
	m := mapOf(v)
	rcu, err1 := strconv.ParseInt(str(m["ReadCapacityUnits"]), 10, 64)
	wcu, err2 := strconv.ParseInt(str(m["WriteCapacityUnits"]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("property ProvisionedThroughput: %w", err)
	}
	return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(rcu), WriteCapacityUnits: aws.Int64(wcu)}, nil
}

// queueAttributes maps AWS::SQS::Queue properties to SQS API attributes that
// the emulators accept. Encryption (SqsManagedSseEnabled, KMS) is AWS-side
// only; RedrivePolicy needs the DLQ's ARN and is carried as
// DeadLetterQueue/MaxReceiveCount instead.
var queueAttributes = []string{
	"DelaySeconds",
	"MaximumMessageSize",
	"MessageRetentionPeriod",
	"ReceiveMessageWaitTimeSeconds",
	"VisibilityTimeout",
	"FifoQueue",
	"ContentBasedDeduplication",
}

func queue(d Definition, n Names) (Queue, error) {
	name, err := nameOf(d, "QueueName", n)
	if err != nil {
		return Queue{}, err
	}
	q := Queue{LogicalID: d.LogicalID, Name: name, Attributes: map[string]string{}}
	for _, a := range queueAttributes {
		v, ok := d.Properties[a]
		if !ok {
			continue
		}
		s, ok := literal(v)
		if !ok {
			return Queue{}, fmt.Errorf("property %s is not a literal value", a)
		}
		q.Attributes[a] = s
	}
	if rp, ok := d.Properties["RedrivePolicy"]; ok {
		m := mapOf(rp)
		if m == nil {
			return Queue{}, errors.New("property RedrivePolicy is not a mapping")
		}
		dlq, ok := refTarget(m["deadLetterTargetArn"])
		if !ok {
			return Queue{}, errors.New("property RedrivePolicy.deadLetterTargetArn must be !GetAtt <Queue>.Arn")
		}
		count, err := strconv.Atoi(str(m["maxReceiveCount"]))
		if err != nil {
			return Queue{}, fmt.Errorf("property RedrivePolicy.maxReceiveCount: %w", err)
		}
		q.DeadLetterQueue, q.MaxReceiveCount = dlq, count
	}
	return q, nil
}

// dlqFirst orders queues so that every dead-letter queue precedes the queues
// that use it, keeping logical-id order otherwise.
func dlqFirst(queues []Queue) ([]Queue, error) {
	byID := make(map[string]Queue, len(queues))
	for _, q := range queues {
		byID[q.LogicalID] = q
	}
	placed := map[string]bool{}
	var out []Queue
	var errs []error
	for _, q := range queues {
		chain := []Queue{q}
		for cur := q; cur.DeadLetterQueue != "" && !placed[cur.DeadLetterQueue]; {
			dlq, ok := byID[cur.DeadLetterQueue]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: dead-letter queue %s is not an AWS::SQS::Queue", cur.LogicalID, cur.DeadLetterQueue))
				break
			}
			if len(chain) > len(queues) {
				errs = append(errs, fmt.Errorf("%s: dead-letter queues form a cycle", q.LogicalID))
				break
			}
			chain = append(chain, dlq)
			cur = dlq
		}
		for i := len(chain) - 1; i >= 0; i-- {
			if !placed[chain[i].LogicalID] {
				placed[chain[i].LogicalID] = true
				out = append(out, chain[i])
			}
		}
	}
	return out, errors.Join(errs...)
}

func subscription(d Definition, n Names) (Subscription, error) {
	p := d.Properties
	s := Subscription{LogicalID: d.LogicalID, Protocol: str(p["Protocol"])}
	var ok bool
	if s.Topic, ok = refTarget(p["TopicArn"]); !ok {
		return Subscription{}, errors.New("property TopicArn must be !Ref <Topic>")
	}
	if s.Endpoint, ok = refTarget(p["Endpoint"]); !ok {
		// Not a resource of the template (an e-mail address, a URL).
		var err error
		if s.Endpoint, err = resolve(p["Endpoint"], n); err != nil {
			return Subscription{}, fmt.Errorf("property Endpoint: %w", err)
		}
	}
	s.RawMessageDelivery = truthy(p["RawMessageDelivery"])
	s.FilterPolicyScope = str(p["FilterPolicyScope"])
	if fp, ok := p["FilterPolicy"]; ok {
		var raw []byte
		if text, isText := fp.(string); isText {
			raw = []byte(text)
		} else {
			var err error
			if raw, err = json.Marshal(fp); err != nil {
				return Subscription{}, fmt.Errorf("property FilterPolicy: %w", err)
			}
		}
		// Re-encode: compact, keys sorted, so equal policies compare equal.
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return Subscription{}, fmt.Errorf("property FilterPolicy: %w", err)
		}
		out, _ := json.Marshal(v)
		s.FilterPolicy = string(out)
	}
	return s, nil
}

// nameOf resolves the physical name property prop of d. A resource without
// a name would get a generated one in AWS, which a local stack cannot
// reproduce, so it is an error.
func nameOf(d Definition, prop string, n Names) (string, error) {
	v, ok := d.Properties[prop]
	if !ok {
		return "", fmt.Errorf("no %s: name it so that local and deployed stacks agree", prop)
	}
	s, err := resolve(v, n)
	if err != nil {
		return "", fmt.Errorf("property %s: %w", prop, err)
	}
	return s, nil
}

// resolve evaluates a string property: a literal, !Sub, !Join, or !Ref of
// a pseudo parameter that Names knows.
func resolve(v any, n Names) (string, error) {
	if s, ok := literal(v); ok {
		return s, nil
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", fmt.Errorf("cannot resolve %v", v)
	}
	var fn string
	var arg any
	for fn, arg = range m { // the one key
	}
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		if val, ok := n.pseudo(name); ok {
			return val, nil
		}
		return "", fmt.Errorf("cannot resolve !Ref %s", name)
	case "Fn::Sub":
		return sub(arg, n)
	case "Fn::Join":
		args := listOf(arg)
		if len(args) != 2 {
			return "", errors.New("!Join needs [delimiter, [values]]")
		}
		parts := listOf(args[1])
		out := make([]string, len(parts))
		for i, p := range parts {
			s, err := resolve(p, n)
			if err != nil {
				return "", err
			}
			out[i] = s
		}
		return strings.Join(out, str(args[0])), nil
	}
	return "", fmt.Errorf("cannot resolve %s", fn)
}

// sub evaluates Fn::Sub: "text" or ["text", {Var: value}].
func sub(arg any, n Names) (string, error) {
	text, ok := arg.(string)
	vars := map[string]any{}
	if !ok {
		args := listOf(arg)
		if len(args) != 2 {
			return "", errors.New("!Sub needs a string or [string, {variables}]")
		}
		if text, ok = args[0].(string); !ok {
			return "", errors.New("!Sub template is not a string")
		}
		vars = mapOf(args[1])
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		j := strings.Index(text[i:], "}")
		if j < 0 {
			return "", fmt.Errorf("unclosed ${ in %q", text)
		}
		b.WriteString(text[:i])
		name := text[i+2 : i+j]
		text = text[i+j+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok { // ${!Literal} → ${Literal}
			b.WriteString("${" + lit + "}")
			continue
		}
		if v, ok := vars[name]; ok {
			s, err := resolve(v, n)
			if err != nil {
				return "", fmt.Errorf("${%s}: %w", name, err)
			}
			b.WriteString(s)
			continue
		}
		val, ok := n.pseudo(name)
		if !ok {
			return "", fmt.Errorf("cannot resolve ${%s}", name)
		}
		b.WriteString(val)
	}
}

// pseudo returns the value of a pseudo parameter that names depend on.
func (n Names) pseudo(name string) (string, bool) {
	var v string
	switch name {
	case "AWS::StackName":
		v = n.StackName
	case "AWS::Region":
		v = n.Region
	case "AWS::AccountId":
		v = n.AccountID
	}
	return v, v != ""
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

// str returns a scalar as a string, "" otherwise.
func str(v any) string {
	s, _ := literal(v)
	return s
}

// truthy reports whether v is true or "true", as CloudFormation reads
// booleans.
func truthy(v any) bool {
	s, _ := literal(v)
	return strings.EqualFold(s, "true")
}
