package template

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"
)

// These tests hold template.yaml, the Makefile, the function folders, the
// sample events and the LocalStack files to one another.

const (
	root          = "../.."
	templatePath  = root + "/template.yaml"
	makefilePath  = root + "/Makefile"
	samconfigPath = root + "/samconfig.toml"
	initScript    = "../localstack/init/10-resources.sh"
	envJSONPath   = "../localstack/env.json"
	composePath   = "../localstack/docker-compose.yml"
)

var repoTemplate = sync.OnceValues(func() (*Template, error) { return Load(templatePath) })

func loadRepo(t *testing.T) (*Template, *Resources) {
	t.Helper()
	tpl, err := repoTemplate()
	if err != nil {
		t.Fatal(err)
	}
	res, err := tpl.Resources(LocalNames)
	if err != nil {
		t.Fatal(err)
	}
	return tpl, res
}

// TestRoutes checks the routes that the first issues defined (more are
// added later) and that no two functions claim one route.
func TestRoutes(t *testing.T) {
	t.Parallel()
	tpl, _ := loadRepo(t)
	routes := tpl.Routes()
	got := map[string]Route{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if prev, dup := got[key]; dup {
			t.Errorf("%s is served by %s and %s", key, prev.Function, r.Function)
		}
		got[key] = r
	}
	want := []Route{
		{"GET", "/services", "ListServicesFunction", true},
		{"GET", "/services/{id}", "GetServiceFunction", true},
		{"POST", "/services", "CreateServiceFunction", false},
		{"GET", "/institutions", "ListInstitutionsFunction", true},
		{"GET", "/institutions/{id}", "GetInstitutionFunction", true},
		{"POST", "/institutions", "CreateInstitutionFunction", false},
	}
	for _, w := range want {
		if r, ok := got[w.Method+" "+w.Path]; !ok || r != w {
			t.Errorf("route %s %s = %+v, want %+v", w.Method, w.Path, r, w)
		}
	}
	if !sort.SliceIsSorted(routes, func(i, j int) bool {
		return routes[i].Path < routes[j].Path || routes[i].Path == routes[j].Path && routes[i].Method < routes[j].Method
	}) {
		t.Error("Routes() is not sorted by path, then method")
	}
	// Every HttpApi event is on the one API.
	for _, d := range tpl.Definitions(TypeFunction) {
		for name, ev := range mapOf(d.Properties["Events"]) {
			e := mapOf(ev)
			if e["Type"] != "HttpApi" {
				continue
			}
			if id, _ := refTarget(mapOf(e["Properties"])["ApiId"]); id != "HttpApi" {
				t.Errorf("%s event %s: ApiId must be !Ref HttpApi", d.LogicalID, name)
			}
		}
	}
}

// makeLambda matches one `$(eval $(call lambda,<LogicalId>,<folder>))` line.
var makeLambda = regexp.MustCompile(`^\$\(eval \$\(call lambda,([A-Za-z0-9]+),([a-z0-9-]+)\)\)\s*$`)

// makefileTargets returns LogicalId → folder from the Makefile's lambda
// lines, and the body of its lambda macro.
func makefileTargets(t *testing.T) (map[string]string, string) {
	t.Helper()
	data, err := os.ReadFile(makefilePath)
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{}
	var macro strings.Builder
	inMacro := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "define lambda":
			inMacro = true
		case line == "endef":
			inMacro = false
		case inMacro:
			macro.WriteString(line + "\n")
		default:
			if m := makeLambda.FindStringSubmatch(line); m != nil {
				if _, dup := targets[m[1]]; dup {
					t.Errorf("Makefile declares build-%s twice", m[1])
				}
				targets[m[1]] = m[2]
			}
		}
	}
	return targets, macro.String()
}

// requiredBuildFlags must all appear in the command that builds a function.
var requiredBuildFlags = []string{
	"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0",
	"-tags lambda.norpc", "-trimpath", `-ldflags="-s -w"`,
}

// TestFunctionLayout checks that every function has its Makefile target,
// its code folder and its sample event, and that the Makefile has no target
// for a function the template lacks.
func TestFunctionLayout(t *testing.T) {
	t.Parallel()
	tpl, _ := loadRepo(t)
	targets, macro := makefileTargets(t)
	fns := tpl.Functions()
	if len(fns) == 0 {
		t.Fatal("template.yaml has no functions")
	}

	for _, flag := range append(requiredBuildFlags, "-o $$(ARTIFACTS_DIR)/bootstrap", "./functions/$(2)") {
		if !strings.Contains(macro, flag) {
			t.Errorf("Makefile lambda macro lacks %q", flag)
		}
	}

	inTemplate := map[string]bool{}
	for _, fn := range fns {
		inTemplate[fn.LogicalID] = true
		name := strings.TrimPrefix(fn.Folder, "functions/")
		if LogicalIDOf(fn.Folder) != fn.LogicalID {
			t.Errorf("%s: folder %s does not map back to the logical id (rename one of them)", fn.LogicalID, fn.Folder)
		}
		folder, ok := targets[fn.LogicalID]
		switch {
		case !ok:
			t.Errorf("%s: Makefile has no line $(eval $(call lambda,%s,%s))", fn.LogicalID, fn.LogicalID, name)
		case folder != name:
			t.Errorf("%s: Makefile builds functions/%s, want %s", fn.LogicalID, folder, fn.Folder)
		}
		if _, err := os.Stat(filepath.Join(root, fn.Folder, "main.go")); err != nil {
			t.Errorf("%s: %v", fn.LogicalID, err)
		}
		if _, err := os.Stat(filepath.Join(root, "events", name+".json")); err != nil {
			t.Errorf("%s: no sample event: %v", fn.LogicalID, err)
		}
	}
	for id := range targets {
		if !inTemplate[id] {
			t.Errorf("Makefile has build-%s but template.yaml has no such function", id)
		}
	}
}

// TestMakeBuildCommands asks make itself what build-<LogicalId> runs.
func TestMakeBuildCommands(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed; TestFunctionLayout checked the Makefile text")
	}
	tpl, _ := loadRepo(t)
	for _, fn := range tpl.Functions() {
		t.Run(fn.LogicalID, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command("make", "-s", "-n", "-C", root, "build-"+fn.LogicalID, "ARTIFACTS_DIR=/artifacts").CombinedOutput()
			if err != nil {
				t.Fatalf("make -n build-%s: %v\n%s", fn.LogicalID, err, out)
			}
			var build string
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, " build ") {
					build = line
				}
			}
			if build == "" {
				t.Fatalf("build-%s runs no go build:\n%s", fn.LogicalID, out)
			}
			for _, flag := range append(requiredBuildFlags, "-o /artifacts/bootstrap") {
				if !strings.Contains(build, flag) {
					t.Errorf("build-%s lacks %q: %s", fn.LogicalID, flag, build)
				}
			}
			if !strings.HasSuffix(strings.TrimSpace(build), " ./"+fn.Folder) {
				t.Errorf("build-%s does not build ./%s: %s", fn.LogicalID, fn.Folder, build)
			}
		})
	}
}

// TestGlobals checks the runtime settings every function shares.
func TestGlobals(t *testing.T) {
	t.Parallel()
	tpl, _ := loadRepo(t)
	g := tpl.GlobalFunction()
	want := map[string]any{
		"Runtime":       "provided.al2023",
		"Architectures": []any{"arm64"},
		"Handler":       "bootstrap",
		"Tracing":       "Active",
	}
	for k, w := range want {
		if !reflect.DeepEqual(g[k], w) {
			t.Errorf("Globals.Function.%s = %v, want %v", k, g[k], w)
		}
	}
	for _, d := range tpl.Definitions(TypeFunction) {
		if d.Properties["CodeUri"] != "." {
			t.Errorf("%s: CodeUri = %v, want .", d.LogicalID, d.Properties["CodeUri"])
		}
		if d.Metadata["BuildMethod"] != "makefile" {
			t.Errorf("%s: Metadata.BuildMethod = %v, want makefile", d.LogicalID, d.Metadata["BuildMethod"])
		}
		for k, w := range want {
			if v, ok := d.Properties[k]; ok && !reflect.DeepEqual(v, w) {
				t.Errorf("%s overrides %s with %v", d.LogicalID, k, v)
			}
		}
	}
}

// starResourceAllowed lists the Allow statements that may use Resource "*",
// by resource and action, with the reason.
var starResourceAllowed = map[string]map[string]string{
	"CognitoSmsRole": {"sns:Publish": "SMS to phone numbers, which have no ARN"},
}

// TestIAMLeastPrivilege: no Allow statement grants "*" or "service:*"
// actions, or NotAction; Resource "*" only where AWS requires it.
func TestIAMLeastPrivilege(t *testing.T) {
	t.Parallel()
	tpl, _ := loadRepo(t)
	found := 0
	for _, d := range tpl.Definitions("") {
		for _, st := range statements(d.Properties) {
			found++
			if st["Effect"] != "Allow" {
				continue // Deny s3:* for insecure transport is fine
			}
			if _, ok := st["NotAction"]; ok {
				t.Errorf("%s: Allow with NotAction", d.LogicalID)
			}
			actions := flatten(st["Action"])
			for _, a := range actions {
				if a == "*" || strings.HasSuffix(a, ":*") {
					t.Errorf("%s: Allow %s", d.LogicalID, a)
				}
			}
			if res := flatten(st["Resource"]); contains(res, "*") {
				for _, a := range actions {
					if _, ok := starResourceAllowed[d.LogicalID][a]; !ok {
						t.Errorf("%s: Allow %s on Resource \"*\"", d.LogicalID, a)
					}
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("found no policy statements: the walk is broken")
	}
}

// statements returns every policy statement under v.
func statements(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		if st, ok := x["Statement"]; ok {
			for _, s := range flattenAny(st) {
				if m, ok := s.(map[string]any); ok {
					out = append(out, m)
				}
			}
		}
		for k, c := range x {
			if k != "Statement" {
				out = append(out, statements(c)...)
			}
		}
	case []any:
		for _, c := range x {
			out = append(out, statements(c)...)
		}
	}
	return out
}

func flattenAny(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// flatten returns the string items of a string-or-list value.
func flatten(v any) []string {
	var out []string
	for _, x := range flattenAny(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestLocalResources checks Resources(LocalNames) against docs/DESIGN.md.
func TestLocalResources(t *testing.T) {
	t.Parallel()
	_, res := loadRepo(t)

	if len(res.Tables) != 1 {
		t.Fatalf("tables = %d, want 1", len(res.Tables))
	}
	tbl := res.Tables[0]
	in := tbl.Input
	if tbl.LogicalID != "DataTable" || aws.ToString(in.TableName) != "zapis-data" {
		t.Errorf("table %s named %s, want DataTable zapis-data", tbl.LogicalID, aws.ToString(in.TableName))
	}
	if in.BillingMode != "PAY_PER_REQUEST" {
		t.Errorf("billing mode = %s", in.BillingMode)
	}
	if tbl.TTLAttribute != "ttl" {
		t.Errorf("TTL attribute = %q, want ttl", tbl.TTLAttribute)
	}
	if got := keys(in.KeySchema); got != "PK/HASH SK/RANGE" {
		t.Errorf("key schema = %s", got)
	}
	wantGSI := map[string]string{
		"ByCitizen":        "GSI1PK/HASH GSI1SK/RANGE",
		"ByInstitutionDay": "GSI2PK/HASH GSI2SK/RANGE",
		"ByDue":            "GSI3PK/HASH GSI3SK/RANGE",
	}
	if len(in.GlobalSecondaryIndexes) != len(wantGSI) {
		t.Errorf("GSIs = %d, want %d", len(in.GlobalSecondaryIndexes), len(wantGSI))
	}
	for _, g := range in.GlobalSecondaryIndexes {
		name := aws.ToString(g.IndexName)
		if got := keys(g.KeySchema); got != wantGSI[name] {
			t.Errorf("GSI %s keys = %s, want %s", name, got, wantGSI[name])
		}
		if g.Projection == nil || g.Projection.ProjectionType != "ALL" {
			t.Errorf("GSI %s does not project ALL", name)
		}
	}

	wantQueues := map[string]string{
		"DocumentCheckQueue": "zapis-document-check",
		"DocumentCheckDLQ":   "zapis-document-check-dlq",
		"ConfirmationQueue":  "zapis-confirmation",
		"ConfirmationDLQ":    "zapis-confirmation-dlq",
		"SmsDeliveryQueue":   "zapis-notify-sms",
		"EmailDeliveryQueue": "zapis-notify-email",
		"PushDeliveryQueue":  "zapis-notify-push",
	}
	byID := map[string]Queue{}
	dlqs := map[string]bool{}
	for _, q := range res.Queues {
		byID[q.LogicalID] = q
		if q.DeadLetterQueue != "" {
			dlqs[q.DeadLetterQueue] = true
		}
	}
	for id, name := range wantQueues {
		if byID[id].Name != name {
			t.Errorf("queue %s named %q, want %q", id, byID[id].Name, name)
		}
	}
	for _, q := range res.Queues {
		if dlqs[q.LogicalID] {
			if q.Attributes["MessageRetentionPeriod"] != "1209600" {
				t.Errorf("DLQ %s keeps messages %s s, want 1209600 (14 days)", q.LogicalID, q.Attributes["MessageRetentionPeriod"])
			}
			continue
		}
		if _, ok := byID[q.DeadLetterQueue]; !ok {
			t.Errorf("queue %s has no dead-letter queue", q.LogicalID)
		}
		if q.MaxReceiveCount != 5 {
			t.Errorf("queue %s: maxReceiveCount %d, want 5", q.LogicalID, q.MaxReceiveCount)
		}
		var vt int
		if _, err := fmt.Sscan(q.Attributes["VisibilityTimeout"], &vt); err != nil || vt < 180 {
			t.Errorf("queue %s: VisibilityTimeout %q, want ≥ 180 (6 × the 30 s worker timeout)", q.LogicalID, q.Attributes["VisibilityTimeout"])
		}
	}

	var topics []string
	for _, tp := range res.Topics {
		topics = append(topics, tp.Name)
	}
	if strings.Join(topics, ",") != "zapis-alarms,zapis-notifications" {
		t.Errorf("topics = %v, want zapis-alarms and zapis-notifications", topics)
	}
	wantSubs := map[string]string{
		"SmsDeliveryQueue":   `{"channel":["sms"]}`,
		"EmailDeliveryQueue": `{"channel":["email"]}`,
		"PushDeliveryQueue":  `{"channel":["push"]}`,
	}
	gotSubs := map[string]string{}
	for _, s := range res.Subscriptions {
		gotSubs[s.Endpoint] = s.FilterPolicy
		if s.Protocol != "sqs" || !s.RawMessageDelivery || s.Topic != "NotificationsTopic" {
			t.Errorf("subscription %s = %+v, want raw sqs delivery from NotificationsTopic", s.LogicalID, s)
		}
		if s.FilterPolicyScope != "MessageAttributes" {
			t.Errorf("subscription %s filters on %q, want MessageAttributes", s.LogicalID, s.FilterPolicyScope)
		}
	}
	if !reflect.DeepEqual(gotSubs, wantSubs) {
		t.Errorf("subscriptions (queue → filter policy) = %v, want %v", gotSubs, wantSubs)
	}

	if len(res.Buckets) != 1 || res.Buckets[0].Name != "zapis-documents-000000000000-us-east-1" {
		t.Errorf("buckets = %+v", res.Buckets)
	}
}

// keys renders a key schema as "PK/HASH SK/RANGE".
func keys(ks []types.KeySchemaElement) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = aws.ToString(k.AttributeName) + "/" + string(k.KeyType)
	}
	return strings.Join(parts, " ")
}

// script is what init/10-resources.sh creates, as parsed from its lines.
type script struct {
	tables   map[string]scriptTable
	queues   map[string]map[string]string // name → attributes, plus dlq and maxReceiveCount
	topics   []string
	subs     map[string]string // queue name → filter policy
	buckets  []string
	topicArn string
}

type scriptTable struct {
	billing, keys, ttl string
	gsis               map[string]string // index → "HASH/HASH RANGE/RANGE ALL"
}

var (
	reTableName = regexp.MustCompile(`--table-name (\S+)`)
	reBilling   = regexp.MustCompile(`--billing-mode (\S+)`)
	reKeys      = regexp.MustCompile(`--key-schema AttributeName=(\w+),KeyType=HASH(?: AttributeName=(\w+),KeyType=RANGE)?`)
	reGSI       = regexp.MustCompile(`IndexName=(\w+),KeySchema=\[\{AttributeName=(\w+),KeyType=HASH\}(?:,\{AttributeName=(\w+),KeyType=RANGE\})?\],Projection=\{ProjectionType=(\w+)\}`)
	reTTL       = regexp.MustCompile(`Enabled=true,AttributeName=(\w+)`)
	reQueue     = regexp.MustCompile(`^queue (\S+)((?: \S+=\S+)*)$`)
	reTopic     = regexp.MustCompile(`sns create-topic --name (\S+)`)
	reTopicArn  = regexp.MustCompile(`^TOPIC_ARN=arn:aws:sns:\$REGION:\$ACCOUNT:(\S+)$`)
	reSubscribe = regexp.MustCompile(`^subscribe (\S+) '([^']*)'$`)
	reBucket    = regexp.MustCompile(`s3api create-bucket --bucket (\S+)`)
)

func parseScript(t *testing.T) script {
	t.Helper()
	data, err := os.ReadFile(initScript)
	if err != nil {
		t.Fatal(err)
	}
	// One command per line: join backslash continuations.
	text := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(string(data), " ")
	s := script{tables: map[string]scriptTable{}, queues: map[string]map[string]string{}, subs: map[string]string{}}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "awslocal dynamodb create-table "):
			name := reTableName.FindStringSubmatch(line)[1]
			tb := scriptTable{gsis: map[string]string{}}
			if m := reBilling.FindStringSubmatch(line); m != nil {
				tb.billing = m[1]
			}
			if m := reKeys.FindStringSubmatch(line); m != nil {
				tb.keys = strings.TrimSpace(m[1] + "/HASH " + suffix(m[2], "/RANGE"))
			}
			for _, m := range reGSI.FindAllStringSubmatch(line, -1) {
				tb.gsis[m[1]] = strings.TrimSpace(m[2]+"/HASH "+suffix(m[3], "/RANGE")) + " " + m[4]
			}
			s.tables[name] = tb
		case strings.HasPrefix(line, "awslocal dynamodb update-time-to-live "):
			name := reTableName.FindStringSubmatch(line)[1]
			tb := s.tables[name]
			if m := reTTL.FindStringSubmatch(line); m != nil {
				tb.ttl = m[1]
			}
			s.tables[name] = tb
		case reQueue.MatchString(line):
			m := reQueue.FindStringSubmatch(line)
			attrs := map[string]string{}
			for _, kv := range strings.Fields(m[2]) {
				k, v, _ := strings.Cut(kv, "=")
				attrs[k] = v
			}
			s.queues[m[1]] = attrs
		case reTopic.MatchString(line):
			s.topics = append(s.topics, reTopic.FindStringSubmatch(line)[1])
		case reTopicArn.MatchString(line):
			s.topicArn = reTopicArn.FindStringSubmatch(line)[1]
		case reSubscribe.MatchString(line):
			m := reSubscribe.FindStringSubmatch(line)
			s.subs[m[1]] = m[2]
		case reBucket.MatchString(line):
			s.buckets = append(s.buckets, reBucket.FindStringSubmatch(line)[1])
		}
	}
	return s
}

func suffix(s, sfx string) string {
	if s == "" {
		return ""
	}
	return s + sfx
}

// TestLocalStackScript checks that init/10-resources.sh creates what the
// template declares, with the local names.
func TestLocalStackScript(t *testing.T) {
	t.Parallel()
	_, res := loadRepo(t)
	s := parseScript(t)

	if fi, err := os.Stat(initScript); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("%s must be executable (LocalStack skips other init scripts): %v", initScript, err)
	}

	want := map[string]scriptTable{}
	for _, tb := range res.Tables {
		in := tb.Input
		st := scriptTable{billing: string(in.BillingMode), keys: keys(in.KeySchema), ttl: tb.TTLAttribute, gsis: map[string]string{}}
		for _, g := range in.GlobalSecondaryIndexes {
			st.gsis[aws.ToString(g.IndexName)] = keys(g.KeySchema) + " " + string(g.Projection.ProjectionType)
		}
		want[aws.ToString(in.TableName)] = st
	}
	if !reflect.DeepEqual(s.tables, want) {
		t.Errorf("script tables = %+v\ntemplate tables = %+v", s.tables, want)
	}

	names := map[string]string{}
	for _, q := range res.Queues {
		names[q.LogicalID] = q.Name
	}
	wantQueues := map[string]map[string]string{}
	for _, q := range res.Queues {
		attrs := map[string]string{}
		for k, v := range q.Attributes {
			attrs[k] = v
		}
		if q.DeadLetterQueue != "" {
			attrs["dlq"] = names[q.DeadLetterQueue]
			attrs["maxReceiveCount"] = fmt.Sprint(q.MaxReceiveCount)
		}
		wantQueues[q.Name] = attrs
	}
	if !reflect.DeepEqual(s.queues, wantQueues) {
		t.Errorf("script queues = %v\ntemplate queues = %v", s.queues, wantQueues)
	}
	// The script creates a DLQ before the queues that use it.
	created := map[string]bool{}
	for _, line := range strings.Split(string(mustRead(t, initScript)), "\n") {
		if m := reQueue.FindStringSubmatch(line); m != nil {
			if dlq := s.queues[m[1]]["dlq"]; dlq != "" && !created[dlq] {
				t.Errorf("script creates %s before its DLQ %s", m[1], dlq)
			}
			created[m[1]] = true
		}
	}

	var topics []string
	topicNames := map[string]string{}
	for _, tp := range res.Topics {
		topics = append(topics, tp.Name)
		topicNames[tp.LogicalID] = tp.Name
	}
	if !reflect.DeepEqual(s.topics, topics) {
		t.Errorf("script topics = %v, template topics = %v", s.topics, topics)
	}
	wantSubs := map[string]string{}
	for _, sub := range res.Subscriptions {
		if sub.Protocol != "sqs" || !sub.RawMessageDelivery || topicNames[sub.Topic] != s.topicArn {
			t.Errorf("subscription %s (%+v) is not what the script's subscribe creates (raw sqs from %s)", sub.LogicalID, sub, s.topicArn)
		}
		wantSubs[names[sub.Endpoint]] = sub.FilterPolicy
	}
	if !reflect.DeepEqual(s.subs, wantSubs) {
		t.Errorf("script subscriptions = %v, template = %v", s.subs, wantSubs)
	}

	var buckets []string
	for _, b := range res.Buckets {
		buckets = append(buckets, b.Name)
	}
	if !reflect.DeepEqual(s.buckets, buckets) {
		t.Errorf("script buckets = %v, template buckets = %v", s.buckets, buckets)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLocalStackEnv checks env.json, docker-compose.yml and samconfig.toml:
// sam local only overrides variables the template declares, every
// reference to a resource gets its LocalStack name, and the functions join
// the network where LocalStack runs.
func TestLocalStackEnv(t *testing.T) {
	t.Parallel()
	tpl, res := loadRepo(t)

	var compose struct {
		Services map[string]struct {
			Image    string   `yaml:"image"`
			Volumes  []string `yaml:"volumes"`
			Networks []string `yaml:"networks"`
		} `yaml:"services"`
		Networks map[string]struct {
			Name string `yaml:"name"`
		} `yaml:"networks"`
	}
	if err := yaml.Unmarshal(mustRead(t, composePath), &compose); err != nil {
		t.Fatal(err)
	}
	var service, network string
	for name, s := range compose.Services {
		if strings.HasPrefix(s.Image, "localstack/localstack:") {
			service = name
			if strings.HasSuffix(s.Image, ":latest") {
				t.Errorf("pin the LocalStack image: %s", s.Image)
			}
			if !contains(s.Volumes, "./init:/etc/localstack/init/ready.d:ro") {
				t.Errorf("LocalStack does not mount ./init as ready.d: %v", s.Volumes)
			}
			if len(s.Networks) == 1 {
				network = compose.Networks[s.Networks[0]].Name
			}
		}
	}
	if service == "" || network == "" {
		t.Fatalf("%s: no localstack/localstack service on a named network", composePath)
	}

	samconfig := string(mustRead(t, samconfigPath))
	for _, m := range regexp.MustCompile(`(?m)^docker_network\s*=\s*"([^"]*)"`).FindAllStringSubmatch(samconfig, -1) {
		if m[1] != network {
			t.Errorf("samconfig.toml docker_network = %q, compose network = %q", m[1], network)
		}
	}
	for _, m := range regexp.MustCompile(`(?m)^env_vars\s*=\s*"([^"]*)"`).FindAllStringSubmatch(samconfig, -1) {
		if m[1] != "infra/localstack/env.json" {
			t.Errorf("samconfig.toml env_vars = %q", m[1])
		}
	}

	var env map[string]map[string]string
	if err := json.Unmarshal(mustRead(t, envJSONPath), &env); err != nil {
		t.Fatalf("%s: %v", envJSONPath, err)
	}
	local := localValues(res, "http://"+service+":4566")
	declaredAnywhere := map[string]bool{}
	fns := map[string]Function{}
	for _, fn := range tpl.Functions() {
		fns[fn.LogicalID] = fn
		for k := range fn.Environment {
			declaredAnywhere[k] = true
		}
		for k := range fn.EnvRefs {
			declaredAnywhere[k] = true
		}
		for k := range fn.EnvComputed {
			declaredAnywhere[k] = true
		}
	}
	for section, vars := range env {
		fn, isFn := fns[section]
		if section != "Parameters" && !isFn {
			t.Errorf("env.json: %s is neither Parameters nor a function of the template", section)
			continue
		}
		for k := range vars {
			_, lit := fn.Environment[k]
			_, ref := fn.EnvRefs[k]
			ref = ref || fn.EnvComputed[k]
			if isFn && !lit && !ref || !isFn && !declaredAnywhere[k] {
				t.Errorf("env.json %s.%s: not declared in template.yaml, so sam local ignores it", section, k)
			}
		}
	}
	for id, fn := range fns {
		value := func(k string) (string, bool) {
			if v, ok := env[id][k]; ok {
				return v, true
			}
			v, ok := env["Parameters"][k]
			return v, ok
		}
		if v, _ := value("AWS_ENDPOINT_URL"); v != "http://"+service+":4566" {
			t.Errorf("%s: AWS_ENDPOINT_URL = %q locally, want http://%s:4566", id, v, service)
		}
		if _, ok := fn.Environment["AWS_ENDPOINT_URL"]; !ok {
			t.Errorf("%s: template does not declare AWS_ENDPOINT_URL, so sam local cannot set it", id)
		}
		for k, ref := range fn.EnvRefs {
			want, known := local[ref]
			if !known {
				t.Errorf("%s.%s refers to %s: add its LocalStack value to localValues", id, k, ref)
				continue
			}
			if got, ok := value(k); !ok || got != want {
				t.Errorf("%s.%s = %q in env.json, want %q (the local %s)", id, k, got, want, ref)
			}
		}
	}
}

// localValues maps "X" and "X.Attr" references to their values on LocalStack.
func localValues(res *Resources, endpoint string) map[string]string {
	const account, region = "000000000000", "us-east-1"
	v := map[string]string{}
	for _, tb := range res.Tables {
		v[tb.LogicalID] = aws.ToString(tb.Input.TableName)
	}
	for _, q := range res.Queues {
		v[q.LogicalID] = endpoint + "/" + account + "/" + q.Name
		v[q.LogicalID+".QueueUrl"] = v[q.LogicalID]
		v[q.LogicalID+".QueueName"] = q.Name
		v[q.LogicalID+".Arn"] = "arn:aws:sqs:" + region + ":" + account + ":" + q.Name
	}
	for _, tp := range res.Topics {
		v[tp.LogicalID] = "arn:aws:sns:" + region + ":" + account + ":" + tp.Name
		v[tp.LogicalID+".TopicArn"] = v[tp.LogicalID]
		v[tp.LogicalID+".TopicName"] = tp.Name
	}
	for _, b := range res.Buckets {
		v[b.LogicalID] = b.Name
	}
	return v
}

// TestCfnLint runs cfn-lint on template.yaml when it is installed and fails
// on any error (E) finding; warnings are logged.
func TestCfnLint(t *testing.T) {
	t.Parallel()
	path, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed (pip install cfn-lint); make test runs it when it is")
	}
	out, err := exec.Command(path, "--format", "parseable", templatePath).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("cfn-lint: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		if regexp.MustCompile(`:E\d{4}:`).MatchString(line) {
			t.Errorf("cfn-lint: %s", line)
		} else {
			t.Logf("cfn-lint: %s", line)
		}
	}
	// Exit status bit 2 is "errors found"; 1 is a crash or bad usage.
	if exit != nil && exit.ExitCode()&3 != 0 && !t.Failed() {
		t.Errorf("cfn-lint exited %d:\n%s", exit.ExitCode(), out)
	}
}

// TestAlarms: every dead-letter queue has a depth alarm (> 0), the API its
// 5xx-rate alarm, Lambda its throttles and errors alarms, and publish
// failures theirs on the application-wide metric shared/metrics writes;
// every alarm notifies AlarmTopic.
func TestAlarms(t *testing.T) {
	t.Parallel()
	tpl, _ := loadRepo(t)
	alarms := tpl.Definitions("AWS::CloudWatch::Alarm")
	if len(alarms) == 0 {
		t.Fatal("no alarms")
	}
	for _, a := range alarms {
		acts, _ := a.Properties["AlarmActions"].([]any)
		if len(acts) != 1 || !reflect.DeepEqual(acts[0], map[string]any{"Ref": "AlarmTopic"}) {
			t.Errorf("%s: AlarmActions %v, want [!Ref AlarmTopic]", a.LogicalID, a.Properties["AlarmActions"])
		}
	}
	// watched reports whether an alarm watches metric of namespace with
	// dims and a comparison over threshold.
	watched := func(namespace, metric string, dims []any, cmp string, threshold float64) bool {
		for _, a := range alarms {
			p := a.Properties
			if p["Namespace"] == namespace && p["MetricName"] == metric && reflect.DeepEqual(p["Dimensions"], any(dims)) &&
				p["ComparisonOperator"] == cmp && fmt.Sprint(p["Threshold"]) == fmt.Sprint(threshold) {
				return true
			}
		}
		return false
	}
	// Every queue's dead-letter target.
	var dlqs []string
	for _, q := range tpl.Definitions("AWS::SQS::Queue") {
		rp, ok := q.Properties["RedrivePolicy"].(map[string]any)
		if !ok {
			continue
		}
		target, _ := rp["deadLetterTargetArn"].(map[string]any)["Fn::GetAtt"].([]any)
		if len(target) != 2 {
			t.Errorf("%s: deadLetterTargetArn is not !GetAtt <DLQ>.Arn: %v", q.LogicalID, rp["deadLetterTargetArn"])
			continue
		}
		dlqs = append(dlqs, target[0].(string))
	}
	if len(dlqs) < 5 {
		t.Errorf("dead-letter queues %v: want one per worker and channel queue (5)", dlqs)
	}
	for _, dlq := range dlqs {
		dims := []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{dlq, "QueueName"}}}}
		if !watched("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims, "GreaterThanThreshold", 0) {
			t.Errorf("no alarm on %s depth > 0", dlq)
		}
	}
	for _, m := range []struct{ namespace, metric, cmp string }{
		{"AWS/Lambda", "Throttles", "GreaterThanThreshold"},
		{"AWS/Lambda", "Errors", "GreaterThanThreshold"},
		{"Zapis", "PublishFailures", "GreaterThanThreshold"},
	} {
		found := false
		for _, a := range alarms {
			p := a.Properties
			if p["Namespace"] == m.namespace && p["MetricName"] == m.metric && p["ComparisonOperator"] == m.cmp {
				found = true
				if p["Dimensions"] != nil {
					t.Errorf("%s watches %s/%s of %v only, want the whole application", a.LogicalID, m.namespace, m.metric, p["Dimensions"])
				}
			}
		}
		if !found {
			t.Errorf("no alarm on %s/%s", m.namespace, m.metric)
		}
	}
	// The 5xx rate: metric math over the API's 5xx and Count.
	rate := false
	for _, a := range alarms {
		ms, _ := a.Properties["Metrics"].([]any)
		var names []string
		expr := ""
		for _, m := range ms {
			mm, _ := m.(map[string]any)
			if st, ok := mm["MetricStat"].(map[string]any); ok {
				metric, _ := st["Metric"].(map[string]any)
				if metric["Namespace"] == "AWS/ApiGateway" {
					names = append(names, fmt.Sprint(metric["MetricName"]))
				}
			}
			if e, ok := mm["Expression"].(string); ok {
				expr = e
			}
		}
		sort.Strings(names)
		if reflect.DeepEqual(names, []string{"5xx", "Count"}) && strings.Contains(expr, "errors / requests") {
			rate = true
		}
	}
	if !rate {
		t.Error("no alarm on the API's 5xx rate (metric math of 5xx over Count)")
	}
}
