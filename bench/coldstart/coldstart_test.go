package coldstart

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zapis/zapis/infra/provision"
	"github.com/zapis/zapis/infra/template"
)

// probe is a tiny Lambda on aws-lambda-go. It answers according to
// PROBE_MODE, and in echo mode returns the event with what it learnt from
// the Runtime API headers and the environment.
const probe = `package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func main() {
	mode := os.Getenv("PROBE_MODE")
	switch mode {
	case "exit":
		os.Exit(3)
	case "quit":
		return
	case "init":
		// What shared/deps logs at init, after a line of noise.
		os.Stdout.WriteString("starting\n{\"msg\":\"init\",\"built\":[\"sdk config\",\"dynamodb client\"],\"initMs\":1.5}\n")
	}
	lambda.Start(func(ctx context.Context, ev json.RawMessage) (any, error) {
		switch mode {
		case "error":
			return nil, errors.New("probe failed")
		case "proxy":
			return map[string]any{"statusCode": 404, "body": "{}"}, nil
		}
		lc, _ := lambdacontext.FromContext(ctx)
		_, hasDeadline := ctx.Deadline()
		return map[string]any{
			"event":       ev,
			"requestId":   lc.AwsRequestID,
			"arn":         lc.InvokedFunctionArn,
			"function":    lambdacontext.FunctionName,
			"memory":      lambdacontext.MemoryLimitInMB,
			"deadline":    hasDeadline,
			"traceId":     os.Getenv("_X_AMZN_TRACE_ID"),
			"credentials": os.Getenv("AWS_ACCESS_KEY_ID") != "",
		}, nil
	})
}
`

// TestMeasureProbe builds the probe like a function (same flags, from the
// module, so aws-lambda-go resolves from go.mod) and checks the Runtime API
// handshake end to end: event in, answer out, each way a start can end.
func TestMeasureProbe(t *testing.T) {
	bin := buildProbe(t, t.TempDir())

	event := []byte(`{"hello":"cold start","n":[1,2,3]}`)
	tests := []struct {
		mode       string
		n          int
		wantStatus string
		wantErr    bool
	}{
		{"echo", 3, "response", false},
		{"init", 2, "response", false},
		{"proxy", 1, "response 404", false},
		{"error", 1, "error: errorString", false},
		{"exit", 1, "exited: exit status 3", true},
		{"quit", 1, "exited: exit status 0", true},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			r, err := Measure(t.Context(), bin, event, map[string]string{"PROBE_MODE": tt.mode}, tt.n)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Measure: err = %v, want error %v", err, tt.wantErr)
			}
			if r.FirstStatus != tt.wantStatus {
				t.Errorf("FirstStatus = %q, want %q", r.FirstStatus, tt.wantStatus)
			}
			if r.Function != "ProbeFunction" || r.BinaryBytes == 0 {
				t.Errorf("Function, BinaryBytes = %q, %d; want ProbeFunction and the file size", r.Function, r.BinaryBytes)
			}
			if tt.wantErr {
				return
			}
			if len(r.Samples) != tt.n || r.Median <= 0 || r.InitMedian <= 0 || r.InitMedian > r.Median {
				t.Errorf("samples %v, median %v, init median %v: want %d samples, 0 < init ≤ median", r.Samples, r.Median, r.InitMedian, tt.n)
			}
			wantBuilt, wantMain := []string(nil), time.Duration(0)
			if tt.mode == "init" {
				wantBuilt, wantMain = []string{"sdk config", "dynamodb client"}, 1500*time.Microsecond
			}
			if !slices.Equal(r.InitBuilt, wantBuilt) || r.InitMainMedian != wantMain {
				t.Errorf("init work %v in %v, want %v in %v", r.InitBuilt, r.InitMainMedian, wantBuilt, wantMain)
			}
			if tt.mode == "echo" {
				checkEcho(t, r.FirstBody, event)
				t.Logf("samples %v, init median %v", r.Samples, r.InitMedian)
			}
		})
	}
}

func checkEcho(t *testing.T, body, event []byte) {
	t.Helper()
	var got struct {
		Event       json.RawMessage
		RequestID   string
		ARN         string
		Function    string
		Memory      int
		Deadline    bool
		TraceID     string
		Credentials bool
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	if string(got.Event) != string(event) {
		t.Errorf("echoed event %s, want %s", got.Event, event)
	}
	if got.RequestID == "" || !strings.HasPrefix(got.TraceID, "Root=1-") || !got.Deadline || !got.Credentials {
		t.Errorf("request id %q, trace id %q, deadline %v, credentials %v: Runtime API headers or env missing",
			got.RequestID, got.TraceID, got.Deadline, got.Credentials)
	}
	if got.Function != "ProbeFunction" || got.Memory != 256 || got.ARN != "arn:aws:lambda:us-east-1:000000000000:function:ProbeFunction" {
		t.Errorf("function %q, memory %d, arn %q", got.Function, got.Memory, got.ARN)
	}
}

func TestInitLine(t *testing.T) {
	tests := []struct {
		name   string
		output string
		built  []string
		took   time.Duration
		ok     bool
	}{
		{"none", "", nil, 0, false},
		{"plain text", "init\nhello\n", nil, 0, false},
		{"other record", `{"msg":"request","built":["x"]}` + "\n", nil, 0, false},
		{"init without parts", `{"msg":"init","initMs":2}` + "\n", nil, 0, false},
		{"among others", "noise\n" + `{"time":"t","level":"INFO","msg":"init","built":["sdk config","sqs client"],"initMs":0.25}` + "\n" + `{"msg":"x"}`,
			[]string{"sdk config", "sqs client"}, 250 * time.Microsecond, true},
		{"cut last line", `{"msg":"init","built":["a"],"initMs":3}`, []string{"a"}, 3 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			built, took, ok := initLine(tt.output)
			if !slices.Equal(built, tt.built) || took != tt.took || ok != tt.ok {
				t.Errorf("initLine = %v, %v, %v; want %v, %v, %v", built, took, ok, tt.built, tt.took, tt.ok)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5 * ms}, 5 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5 * ms},
		{[]time.Duration{4 * ms, 1 * ms, 2 * ms, 3 * ms}, 2500 * time.Microsecond},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestStatuses(t *testing.T) {
	tests := []struct {
		body, header, wantResponse, wantErrorType string
	}{
		{`{"statusCode":404,"body":"{}"}`, "", "response 404", "unknown"},
		{`{"batchItemFailures":[]}`, "", "response", "unknown"},
		{`null`, "", "response", "unknown"},
		{`"text"`, "", "response", "unknown"},
		{`{"errorMessage":"boom","errorType":"ConfigError"}`, "Runtime.Other", "response", "ConfigError"},
		{``, "Runtime.ExitError", "response", "Runtime.ExitError"},
	}
	for _, tt := range tests {
		if got := responseStatus([]byte(tt.body)); got != tt.wantResponse {
			t.Errorf("responseStatus(%s) = %q, want %q", tt.body, got, tt.wantResponse)
		}
		r := httptest.NewRequest("POST", "/", nil)
		if tt.header != "" {
			r.Header.Set("Lambda-Runtime-Function-Error-Type", tt.header)
		}
		if got := errorType([]byte(tt.body), r); got != tt.wantErrorType {
			t.Errorf("errorType(%s, %q) = %q, want %q", tt.body, tt.header, got, tt.wantErrorType)
		}
	}
}

const stackTemplate = `
Globals:
  Function:
    Environment:
      Variables:
        TABLE_NAME: !Ref DataTable
        LOG_LEVEL: info
        AWS_ENDPOINT_URL: ""
Resources:
  DataTable: {Type: AWS::DynamoDB::Table}
  WorkQueue: {Type: AWS::SQS::Queue}
  Docs: {Type: AWS::S3::Bucket}
  Secret: {Type: AWS::SecretsManager::Secret}
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          WORK_QUEUE_URL: !Ref WorkQueue
          WORK_QUEUE_ARN: !GetAtt WorkQueue.Arn
          DOCUMENTS_BUCKET: !Ref Docs
          TICKET_SIGNING_KEY: !Sub "{{resolve:secretsmanager:${Secret}:SecretString}}"
  OddFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          OTHER_SECRET: !Sub "{{resolve:secretsmanager:${Secret}:SecretString}}"
  LostFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          NOWHERE: !Ref Missing
`

func TestStackEnv(t *testing.T) {
	tpl, err := template.Parse([]byte(stackTemplate))
	if err != nil {
		t.Fatal(err)
	}
	stack := Stack{
		Template: tpl,
		Names:    template.LocalNames,
		Provisioned: &provision.Provisioned{
			TableNames: map[string]string{"DataTable": "zapis-data"},
			QueueURLs:  map[string]string{"WorkQueue": "http://edge/000000000000/zapis-work"},
			QueueARNs:  map[string]string{"WorkQueue": "arn:aws:sqs:us-east-1:000000000000:zapis-work"},
			Buckets:    map[string]string{"Docs": "zapis-docs"},
		},
		Endpoint: "http://127.0.0.1:4566",
	}
	fns := map[string]template.Function{}
	for _, fn := range tpl.Functions() {
		fns[fn.LogicalID] = fn
	}
	api := fns["ApiFunction"]
	// infra/template without EnvComputed leaves the secret out altogether.
	omitted := api
	omitted.EnvComputed = map[string]bool{}

	want := map[string]string{
		"TABLE_NAME":         "zapis-data",
		"LOG_LEVEL":          "info",
		"AWS_ENDPOINT_URL":   "http://127.0.0.1:4566",
		"WORK_QUEUE_URL":     "http://edge/000000000000/zapis-work",
		"WORK_QUEUE_ARN":     "arn:aws:sqs:us-east-1:000000000000:zapis-work",
		"DOCUMENTS_BUCKET":   "zapis-docs",
		"TICKET_SIGNING_KEY": DevTicketKey,
	}
	tests := []struct {
		name    string
		fn      template.Function
		want    map[string]string
		wantErr string
	}{
		{"computed secret listed", api, want, ""},
		{"computed secret omitted", omitted, want, ""},
		{"secret without stand-in", fns["OddFunction"], nil, "OTHER_SECRET is computed"},
		{"unknown resource", fns["LostFunction"], nil, "cannot resolve Missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stack.Env(tt.fn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("env has %d variables, want %d: %v", len(got), len(tt.want), got)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			vars := strings.Join(StackVars(tt.fn, got), " ")
			if vars != "DOCUMENTS_BUCKET TABLE_NAME TICKET_SIGNING_KEY WORK_QUEUE_ARN WORK_QUEUE_URL" {
				t.Errorf("StackVars = %s", vars)
			}
		})
	}
	if len(DevTicketKey) != 48 {
		t.Errorf("DevTicketKey is %d bytes, want 48", len(DevTicketKey))
	}
}

const eventsTemplate = `
Resources:
  Q: {Type: AWS::SQS::Queue}
  GetThingFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Api: {Type: HttpApi, Properties: {Path: "/things/{id}", Method: get}}
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Queue: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn}}
  TickFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Every: {Type: Schedule, Properties: {Schedule: rate(5 minutes)}}
  PlainFunction:
    Type: AWS::Serverless::Function
`

func TestCheckEvent(t *testing.T) {
	tpl, err := template.Parse([]byte(eventsTemplate))
	if err != nil {
		t.Fatal(err)
	}
	fns := map[string]template.Function{}
	for _, fn := range tpl.Functions() {
		fns[fn.LogicalID] = fn
	}
	const (
		httpEvent  = `{"version":"2.0","routeKey":"GET /things/{id}"}`
		otherRoute = `{"version":"2.0","routeKey":"POST /things"}`
		sqsEvent   = `{"Records":[{"eventSource":"aws:sqs","body":"{}"}]}`
		tickEvent  = `{"source":"aws.events","detail-type":"Scheduled Event"}`
	)
	tests := []struct {
		fn, event, wantErr string
	}{
		{"GetThingFunction", httpEvent, ""},
		{"GetThingFunction", otherRoute, "not one of the function's"},
		{"GetThingFunction", sqsEvent, "sample event is SQS, want HTTP API v2"},
		{"WorkerFunction", sqsEvent, ""},
		{"WorkerFunction", tickEvent, "want SQS"},
		{"TickFunction", tickEvent, ""},
		{"TickFunction", `{}`, "an unknown event"},
		{"TickFunction", `not json`, "sample event"},
		{"PlainFunction", `{}`, ""},
	}
	for _, tt := range tests {
		err := CheckEvent(fns[tt.fn], []byte(tt.event))
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("CheckEvent(%s, %s) = %v, want %q", tt.fn, tt.event, err, tt.wantErr)
		}
	}
}

// TestRepoSampleEvents checks what the benchmark will feed each function of
// the repository: a sample event of the right kind, and an environment the
// local stack can provide.
func TestRepoSampleEvents(t *testing.T) {
	tpl, err := template.Load(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	stack := Stack{Template: tpl, Names: template.LocalNames, Provisioned: localNames(t, tpl), Endpoint: "http://127.0.0.1:1"}
	for _, fn := range tpl.Functions() {
		event, err := os.ReadFile(filepath.Join(repoRoot, "events", path.Base(fn.Folder)+".json"))
		if err != nil {
			t.Errorf("%s: %v", fn.LogicalID, err)
			continue
		}
		if err := CheckEvent(fn, event); err != nil {
			t.Error(err)
		}
		if _, err := stack.Env(fn); err != nil {
			t.Error(err)
		}
	}
}

// localNames stands in for provision.Apply: the names it would return.
func localNames(t *testing.T, tpl *template.Template) *provision.Provisioned {
	t.Helper()
	res, err := tpl.Resources(template.LocalNames)
	if err != nil {
		t.Fatal(err)
	}
	p := &provision.Provisioned{
		TableNames: map[string]string{}, QueueURLs: map[string]string{}, QueueARNs: map[string]string{},
		TopicARNs: map[string]string{}, Buckets: map[string]string{},
	}
	for _, tb := range res.Tables {
		p.TableNames[tb.LogicalID] = *tb.Input.TableName
	}
	for _, q := range res.Queues {
		p.QueueURLs[q.LogicalID] = "http://127.0.0.1:1/000000000000/" + q.Name
		p.QueueARNs[q.LogicalID] = "arn:aws:sqs:us-east-1:000000000000:" + q.Name
	}
	for _, tp := range res.Topics {
		p.TopicARNs[tp.LogicalID] = "arn:aws:sns:us-east-1:000000000000:" + tp.Name
	}
	for _, b := range res.Buckets {
		p.Buckets[b.LogicalID] = b.Name
	}
	return p
}
