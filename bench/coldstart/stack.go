package coldstart

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/zapis/zapis/infra/provision"
	"github.com/zapis/zapis/infra/template"
)

// DevTicketKey stands in for the Secrets Manager ticket key, which only
// exists in AWS; config wants at least 32 bytes.
const DevTicketKey = "zapis-coldstart-dev-ticket-signing-key-012345678" // 48 bytes

// devSecrets are the values for variables that the template computes in AWS
// (a !Sub with a {{resolve:secretsmanager:…}} reference).
var devSecrets = map[string]string{"TICKET_SIGNING_KEY": DevTicketKey}

// Stack is a local stack: the template and where Apply created its
// resources.
type Stack struct {
	Template    *template.Template
	Names       template.Names // template.LocalNames for Apply's resources
	Provisioned *provision.Provisioned
	Endpoint    string // AWS_ENDPOINT_URL for the functions
}

// Env is the environment the template gives fn on this stack: literals,
// references resolved to the provisioned names (TABLE_NAME → table name,
// *_QUEUE_URL → queue URL, DOCUMENTS_BUCKET → bucket), dev stand-ins for the
// secrets, and AWS_ENDPOINT_URL pointing at the stack.
func (s Stack) Env(fn template.Function) (map[string]string, error) {
	env := maps.Clone(fn.Environment)
	for k, ref := range fn.EnvRefs {
		v, err := s.resolve(ref)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", fn.LogicalID, k, err)
		}
		env[k] = v
	}
	// Computed variables: infra/template lists them in EnvComputed, or (an
	// older infra/template) leaves them out, so read the declarations too.
	computed := maps.Clone(fn.EnvComputed)
	for _, k := range s.declared(fn) {
		if _, ok := env[k]; !ok {
			computed[k] = true
		}
	}
	for k := range computed {
		v, ok := devSecrets[k]
		if !ok {
			return nil, fmt.Errorf("%s: %s is computed in AWS and has no local stand-in", fn.LogicalID, k)
		}
		env[k] = v
	}
	env["AWS_ENDPOINT_URL"] = s.Endpoint
	return env, nil
}

// StackVars names the variables of env (from Env) that the stack, not a
// literal in the template, provides: the resources and secrets that fn's
// init reads to build its clients.
func StackVars(fn template.Function, env map[string]string) []string {
	var vars []string
	for k := range env {
		if _, literal := fn.Environment[k]; !literal {
			vars = append(vars, k)
		}
	}
	slices.Sort(vars)
	return vars
}

// declared lists the Environment.Variables names of fn and of the
// function globals, as written in the template.
func (s Stack) declared(fn template.Function) []string {
	vars := func(props map[string]any) map[string]any {
		e, _ := props["Environment"].(map[string]any)
		v, _ := e["Variables"].(map[string]any)
		return v
	}
	var out []string
	for k := range vars(s.Template.GlobalFunction()) {
		out = append(out, k)
	}
	if d, ok := s.Template.Definition(fn.LogicalID); ok {
		for k := range vars(d.Properties) {
			out = append(out, k)
		}
	}
	return out
}

// resolve turns an EnvRefs value ("X" for !Ref X, "X.Attr" for !GetAtt)
// into what CloudFormation would give.
func (s Stack) resolve(ref string) (string, error) {
	p := s.Provisioned
	id, attr, _ := strings.Cut(ref, ".")
	switch attr {
	case "": // !Ref: table and bucket names, queue URLs, topic ARNs
		for _, m := range []map[string]string{p.TableNames, p.QueueURLs, p.Buckets, p.TopicARNs} {
			if v, ok := m[id]; ok {
				return v, nil
			}
		}
		switch id {
		case "AWS::StackName":
			return s.Names.StackName, nil
		case "AWS::Region":
			return s.Names.Region, nil
		case "AWS::AccountId":
			return s.Names.AccountID, nil
		}
		if param, ok := s.Template.Parameters[id].(map[string]any); ok {
			if def, ok := param["Default"]; ok {
				return fmt.Sprint(def), nil
			}
		}
	case "Arn":
		if v, ok := p.QueueARNs[id]; ok {
			return v, nil
		}
		if v, ok := p.TopicARNs[id]; ok {
			return v, nil
		}
		if v, ok := p.TableNames[id]; ok {
			return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", s.Names.Region, s.Names.AccountID, v), nil
		}
		if v, ok := p.Buckets[id]; ok {
			return "arn:aws:s3:::" + v, nil
		}
	case "QueueUrl":
		if v, ok := p.QueueURLs[id]; ok {
			return v, nil
		}
	case "TopicArn":
		if v, ok := p.TopicARNs[id]; ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("cannot resolve %s on the local stack", ref)
}

// Event kinds: what triggers a function, and what a sample event is.
const (
	KindHTTP     = "HTTP API v2"
	KindSQS      = "SQS"
	KindSchedule = "EventBridge schedule"
)

// Kinds lists the triggers of fn in the template.
func Kinds(fn template.Function) []string {
	var out []string
	if len(fn.Routes) > 0 {
		out = append(out, KindHTTP)
	}
	if len(fn.Queues) > 0 {
		out = append(out, KindSQS)
	}
	if len(fn.Schedules) > 0 {
		out = append(out, KindSchedule)
	}
	return out
}

// CheckEvent reports whether event is a sample of one of fn's triggers (an
// HTTP API v2 request for one of its routes, an SQS batch, a scheduled
// event), so that a function is never measured on someone else's event.
func CheckEvent(fn template.Function, event []byte) error {
	var ev struct {
		Version    string `json:"version"`
		RouteKey   string `json:"routeKey"`
		DetailType string `json:"detail-type"`
		Source     string `json:"source"`
		Records    []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		return fmt.Errorf("%s: sample event: %w", fn.LogicalID, err)
	}
	var kind string
	switch {
	case ev.Version == "2.0" && ev.RouteKey != "":
		kind = KindHTTP
	case len(ev.Records) > 0 && ev.Records[0].EventSource == "aws:sqs":
		kind = KindSQS
	case ev.Source == "aws.events" && ev.DetailType == "Scheduled Event":
		kind = KindSchedule
	}
	want := Kinds(fn)
	if len(want) == 0 {
		return nil // no trigger in the template: any event will do
	}
	if !slices.Contains(want, kind) {
		if kind == "" {
			kind = "an unknown event"
		}
		return fmt.Errorf("%s: sample event is %s, want %s", fn.LogicalID, kind, strings.Join(want, " or "))
	}
	if kind == KindHTTP && !slices.ContainsFunc(fn.Routes, func(r template.Route) bool {
		return r.Method+" "+r.Path == ev.RouteKey
	}) {
		return fmt.Errorf("%s: sample event is for route %q, not one of the function's", fn.LogicalID, ev.RouteKey)
	}
	return nil
}
