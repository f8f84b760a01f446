package testenv_test

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func resources() *template.Resources {
	str := ddbtypes.ScalarAttributeTypeS
	return &template.Resources{
		Tables: []template.Table{{
			LogicalID: "DataTable",
			Input: &dynamodb.CreateTableInput{
				TableName:   aws.String("zapis-data"),
				BillingMode: ddbtypes.BillingModePayPerRequest,
				AttributeDefinitions: []ddbtypes.AttributeDefinition{
					{AttributeName: aws.String("PK"), AttributeType: str},
					{AttributeName: aws.String("SK"), AttributeType: str},
				},
				KeySchema: []ddbtypes.KeySchemaElement{
					{AttributeName: aws.String("PK"), KeyType: ddbtypes.KeyTypeHash},
					{AttributeName: aws.String("SK"), KeyType: ddbtypes.KeyTypeRange},
				},
			},
			TTLAttribute: "ttl",
		}},
		Queues: []template.Queue{
			{LogicalID: "ConfirmationQueue", Name: "zapis-confirmation", DeadLetterQueue: "ConfirmationDLQ", MaxReceiveCount: 5},
			{LogicalID: "ConfirmationDLQ", Name: "zapis-confirmation-dlq"},
		},
		Topics:  []template.Topic{{LogicalID: "NotificationsTopic", Name: "zapis-notifications"}},
		Buckets: []template.Bucket{{LogicalID: "DocumentsBucket", Name: "zapis-documents-000000000000-us-east-1"}},
	}
}

func TestBackends(t *testing.T) {
	backends := testenv.Backends(t, resources())
	want := []string{"edge"}
	if _, err := exec.LookPath("moto_server"); err == nil {
		want = append(want, "moto")
	}
	if len(backends) != len(want) {
		t.Fatalf("got %d backends, want %q", len(backends), want)
	}
	for i, b := range backends {
		t.Run(b.Name, func(t *testing.T) {
			if b.Name != want[i] {
				t.Fatalf("backend %d is %s, want %s", i, b.Name, want[i])
			}
			ctx := context.Background()
			table := b.Provisioned.TableNames["DataTable"]
			db := awsconf.DynamoDB(b.Config)
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]ddbtypes.AttributeValue{
				"PK": &ddbtypes.AttributeValueMemberS{Value: "SERVICE"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "SERVICE#" + t.Name()},
			}}); err != nil {
				t.Fatal(err)
			}
			url := b.Provisioned.QueueURLs["ConfirmationQueue"]
			if _, err := awsconf.SQS(b.Config).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("b1")}); err != nil {
				t.Fatal(err)
			}
		})
	}

	// Equal resources (parsed again by another test) reuse the backends.
	again := testenv.Backends(t, resources())
	for i := range backends {
		if again[i].Provisioned != backends[i].Provisioned {
			t.Fatalf("second call provisioned %s again", again[i].Name)
		}
	}
}

// TestChild is run by the tests below in a separate test binary process.
func TestChild(t *testing.T) {
	if os.Getenv("ZAPIS_TESTENV_CHILD") == "" {
		t.Skip("helper process for TestMotoDoesNotOutliveTheBinary and TestMissingMotoIsASkip")
	}
	for _, b := range testenv.Backends(t, resources()) {
		os.Stdout.WriteString("backend " + b.Name + " " + b.URL + "\n")
	}
}

func runChild(t *testing.T, env ...string) (backends map[string]string, output string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.v")
	cmd.Env = append(append(os.Environ(), "ZAPIS_TESTENV_CHILD=1"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	backends = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "backend" {
			backends[f[1]] = f[2]
		}
	}
	return backends, string(out)
}

func TestMotoDoesNotOutliveTheBinary(t *testing.T) {
	if _, err := exec.LookPath("moto_server"); err != nil {
		t.Skip(testenv.MotoSkipMessage)
	}
	backends, out := runChild(t)
	url, ok := backends["moto"]
	if !ok {
		t.Fatalf("child had no moto backend:\n%s", out)
	}
	if resp, err := http.Get(url + "/moto-api/"); err == nil {
		resp.Body.Close()
		t.Fatalf("moto_server at %s still answers after its test binary exited", url)
	}
}

func TestMissingMotoIsASkip(t *testing.T) {
	// An empty PATH hides moto_server; CI=true must not turn that into a failure.
	backends, out := runChild(t, "PATH=", "CI=true")
	if len(backends) != 1 || backends["edge"] == "" {
		t.Fatalf("backends %v, want only edge:\n%s", backends, out)
	}
	if strings.Count(out, testenv.MotoSkipMessage) == 0 {
		t.Fatalf("no skip message in:\n%s", out)
	}
}
