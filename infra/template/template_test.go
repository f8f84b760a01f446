package template

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Unit tests of the parser on small inline templates; repo_test.go checks
// the real template.yaml against the Makefile, the code and LocalStack.

func TestParseShortForms(t *testing.T) {
	t.Parallel()
	src := `
Resources:
  R:
    Type: Custom::Thing
    Properties:
      Ref: !Ref Other
      GetAtt: !GetAtt Queue.Arn
      GetAttNested: !GetAtt Stack.Outputs.Url
      GetAttList: !GetAtt [Queue, Arn]
      Sub: !Sub ${AWS::StackName}-x
      SubList: !Sub ["${A}-y", {A: !Ref AWS::Region}]
      If: !If [IsProd, 1, 2]
      Join: !Join ["-", [a, !Ref B]]
      Version: 2012-10-17
      Number: 180
      Bool: true
      Quoted: "true"
      Anchor: &a {x: 1}
      Alias: *a
`
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := tpl.Definition("R")
	if !ok {
		t.Fatal("no resource R")
	}
	want := map[string]any{
		"Ref":          map[string]any{"Ref": "Other"},
		"GetAtt":       map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}},
		"GetAttNested": map[string]any{"Fn::GetAtt": []any{"Stack", "Outputs.Url"}},
		"GetAttList":   map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}},
		"Sub":          map[string]any{"Fn::Sub": "${AWS::StackName}-x"},
		"SubList":      map[string]any{"Fn::Sub": []any{"${A}-y", map[string]any{"A": map[string]any{"Ref": "AWS::Region"}}}},
		"If":           map[string]any{"Fn::If": []any{"IsProd", 1, 2}},
		"Join":         map[string]any{"Fn::Join": []any{"-", []any{"a", map[string]any{"Ref": "B"}}}},
		"Version":      "2012-10-17",
		"Number":       180,
		"Bool":         true,
		"Quoted":       "true",
		"Anchor":       map[string]any{"x": 1},
		"Alias":        map[string]any{"x": 1},
	}
	for k, w := range want {
		if got := d.Properties[k]; !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"no resources", "Parameters: {}", "no Resources"},
		{"no type", "Resources:\n  R:\n    Properties: {}", "has no Type"},
		{"duplicate key", "Resources:\n  R:\n    Type: X\n  R:\n    Type: Y", "duplicate key"},
		{"bad getatt", "Resources:\n  R:\n    Type: X\n    Properties:\n      A: !GetAtt Queue", "Resource.Attribute"},
		{"not yaml", "Resources: [", "yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestFolderOf(t *testing.T) {
	t.Parallel()
	tests := []struct{ id, folder string }{
		{"ListServicesFunction", "functions/list-services"},
		{"GetServiceFunction", "functions/get-service"},
		{"Remind24hFunction", "functions/remind-24h"},
		{"Remind1hFunction", "functions/remind-1h"},
		{"ExpirePendingFunction", "functions/expire-pending"},
		{"DocumentCheckFunction", "functions/document-check"},
		{"S3UploadFunction", "functions/s3-upload"},
		{"GetHTTPStatusFunction", "functions/get-http-status"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			if got := FolderOf(tc.id); got != tc.folder {
				t.Errorf("FolderOf(%s) = %s, want %s", tc.id, got, tc.folder)
			}
		})
	}
	// The inverse holds for every name without acronyms.
	for _, tc := range tests[:7] {
		if got := LogicalIDOf(tc.folder); got != tc.id {
			t.Errorf("LogicalIDOf(%s) = %s, want %s", tc.folder, got, tc.id)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	n := Names{StackName: "zapis", Region: "eu-central-1", AccountID: "123456789012"}
	tests := []struct {
		name    string
		v       any
		want    string
		wantErr string
	}{
		{"literal", "plain", "plain", ""},
		{"number", 180, "180", ""},
		{"sub", map[string]any{"Fn::Sub": "${AWS::StackName}-documents-${AWS::AccountId}-${AWS::Region}"}, "zapis-documents-123456789012-eu-central-1", ""},
		{"sub escape", map[string]any{"Fn::Sub": "${!Literal}-${AWS::StackName}"}, "${Literal}-zapis", ""},
		{"sub vars", map[string]any{"Fn::Sub": []any{"${Name}-q", map[string]any{"Name": map[string]any{"Ref": "AWS::StackName"}}}}, "zapis-q", ""},
		{"join", map[string]any{"Fn::Join": []any{"-", []any{"a", map[string]any{"Ref": "AWS::Region"}}}}, "a-eu-central-1", ""},
		{"ref pseudo", map[string]any{"Ref": "AWS::AccountId"}, "123456789012", ""},
		{"sub unknown", map[string]any{"Fn::Sub": "${UserPool}-x"}, "", "${UserPool}"},
		{"sub partition", map[string]any{"Fn::Sub": "${AWS::Partition}"}, "", "${AWS::Partition}"},
		{"unclosed", map[string]any{"Fn::Sub": "${AWS::Region"}, "", "unclosed"},
		{"ref resource", map[string]any{"Ref": "Other"}, "", "!Ref Other"},
		{"getatt", map[string]any{"Fn::GetAtt": []any{"A", "Arn"}}, "", "Fn::GetAtt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolve(tc.v, n)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("resolve = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

const miniTemplate = `
Globals:
  Function:
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        LOG_LEVEL: info
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub ${AWS::StackName}-t
      AttributeDefinitions:
        - {AttributeName: PK, AttributeType: S}
      KeySchema:
        - {AttributeName: PK, KeyType: HASH}
      ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: "2"}
  Work:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub ${AWS::StackName}-work
      VisibilityTimeout: 180
      SqsManagedSseEnabled: true
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: "3"}
  Dead:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub ${AWS::StackName}-dead
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub ${AWS::StackName}-topic
  Sub:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic
      Protocol: sqs
      Endpoint: !GetAtt Work.Arn
      RawMessageDelivery: "true"
      FilterPolicy: '{ "kind": ["a"], "channel": ["sms"] }'
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Environment:
        Variables:
          LOG_LEVEL: debug
          QUEUE_ARN: !GetAtt Work.Arn
      Events:
        Tick:
          Type: Schedule
          Properties: {Schedule: rate(1 minute)}
        Messages:
          Type: SQS
          Properties: {Queue: !GetAtt Work.Arn}
        Get:
          Type: HttpApi
          Properties: {Path: "/things/{id}", Method: get, Auth: {Authorizer: NONE}}
        Post:
          Type: HttpApi
          Properties: {Path: /things, Method: post}
`

func TestMiniTemplate(t *testing.T) {
	t.Parallel()
	tpl, err := Parse([]byte(miniTemplate))
	if err != nil {
		t.Fatal(err)
	}
	r, err := tpl.Resources(LocalNames)
	if err != nil {
		t.Fatal(err)
	}

	if len(r.Tables) != 1 {
		t.Fatalf("tables = %d", len(r.Tables))
	}
	in := r.Tables[0].Input
	if aws.ToString(in.TableName) != "zapis-t" || in.BillingMode != "PROVISIONED" ||
		aws.ToInt64(in.ProvisionedThroughput.WriteCapacityUnits) != 2 {
		t.Errorf("table input = %+v", in)
	}

	var order []string
	for _, q := range r.Queues {
		order = append(order, q.LogicalID)
	}
	if !reflect.DeepEqual(order, []string{"Dead", "Work"}) {
		t.Errorf("queue order = %v, want the DLQ first", order)
	}
	work := r.Queues[1]
	wantAttrs := map[string]string{"VisibilityTimeout": "180"}
	if work.Name != "zapis-work" || work.DeadLetterQueue != "Dead" || work.MaxReceiveCount != 3 ||
		!reflect.DeepEqual(work.Attributes, wantAttrs) {
		t.Errorf("work queue = %+v", work)
	}

	wantSub := Subscription{
		LogicalID: "Sub", Topic: "Topic", Protocol: "sqs", Endpoint: "Work",
		FilterPolicy: `{"channel":["sms"],"kind":["a"]}`, RawMessageDelivery: true,
	}
	if len(r.Subscriptions) != 1 || r.Subscriptions[0] != wantSub {
		t.Errorf("subscriptions = %+v, want %+v", r.Subscriptions, wantSub)
	}

	fns := tpl.Functions()
	if len(fns) != 1 {
		t.Fatalf("functions = %d", len(fns))
	}
	fn := fns[0]
	if fn.Folder != "functions/worker" || fn.CodeURI != "." {
		t.Errorf("function = %+v", fn)
	}
	if want := map[string]string{"LOG_LEVEL": "debug"}; !reflect.DeepEqual(fn.Environment, want) {
		t.Errorf("environment = %v, want %v", fn.Environment, want)
	}
	if want := map[string]string{"TABLE_NAME": "Table", "QUEUE_ARN": "Work.Arn"}; !reflect.DeepEqual(fn.EnvRefs, want) {
		t.Errorf("env refs = %v, want %v", fn.EnvRefs, want)
	}
	if want := []Schedule{{Name: "Tick", Expression: "rate(1 minute)"}}; !reflect.DeepEqual(fn.Schedules, want) {
		t.Errorf("schedules = %v", fn.Schedules)
	}
	if want := []string{"Work"}; !reflect.DeepEqual(fn.Queues, want) {
		t.Errorf("queues = %v", fn.Queues)
	}
	wantRoutes := []Route{
		{Method: "POST", Path: "/things", Function: "WorkerFunction"},
		{Method: "GET", Path: "/things/{id}", Function: "WorkerFunction", Public: true},
	}
	if got := tpl.Routes(); !reflect.DeepEqual(got, wantRoutes) {
		t.Errorf("routes = %+v, want %+v", got, wantRoutes)
	}
}

func TestResourcesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, resource, want string }{
		{"unknown sub variable", "Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub ${Other}-q", "${Other}"},
		{"no name", "Type: AWS::SNS::Topic\n    Properties: {}", "no TopicName"},
		{"missing dlq", "Type: AWS::SQS::Queue\n    Properties:\n      QueueName: q\n      RedrivePolicy: {deadLetterTargetArn: !GetAtt Nope.Arn, maxReceiveCount: 5}", "Nope"},
		{"literal dlq arn", "Type: AWS::SQS::Queue\n    Properties:\n      QueueName: q\n      RedrivePolicy: {deadLetterTargetArn: arn:aws:sqs:x, maxReceiveCount: 5}", "deadLetterTargetArn"},
		{"no key schema", "Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: t\n      BillingMode: PAY_PER_REQUEST", "KeySchema"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tpl, err := Parse([]byte("Resources:\n  R:\n    " + tc.resource + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = tpl.Resources(LocalNames)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
