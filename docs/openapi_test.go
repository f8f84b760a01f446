package docs

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const (
	openAPIFile  = "openapi.yaml"
	templateFile = "../template.yaml"
)

// pending lists the routes of the contract that openapi.yaml describes but
// template.yaml does not deploy yet, because the issue that adds them has not
// landed. When an issue adds a route to the template, delete it here: the
// route test fails while a route is both deployed and pending, so the list
// only ever shrinks. Local-runner routes (x-local-only) never belong here.
var pending = map[route]string{}

// publicOperations are the operations the contract serves without a token
// (besides the local-runner ones).
var publicOperations = []route{
	{"GET", "/services"},
	{"GET", "/services/{id}"},
	{"GET", "/institutions"},
	{"GET", "/institutions/{id}"},
	{"GET", "/institutions/{id}/slots"},
}

// contractCodes are the error codes of API.md with their HTTP statuses.
var contractCodes = map[string]int{
	"validation_failed":         400,
	"unauthorized":              401,
	"forbidden":                 403,
	"not_found":                 404,
	"slot_full":                 409,
	"duplicate_booking":         409,
	"too_late":                  409,
	"invalid_state":             409,
	"slot_in_past":              409,
	"not_confirmed":             409,
	"request_in_progress":       409,
	"document_too_large":        400,
	"unsupported_document_type": 400,
	"profile_incomplete":        422,
	"idempotency_conflict":      422,
	"rate_limited":              429,
}

// ---------------------------------------------------------------- routes

type route struct{ Method, Path string }

func (r route) String() string { return r.Method + " " + r.Path }

var pathParamRE = regexp.MustCompile(`\{([^{}]+)\}`)

// shape is the route with parameter names erased: API Gateway matches
// /a/{id} and /a/{x} alike, so two routes of the same shape are one route.
func (r route) shape() route {
	return route{r.Method, pathParamRE.ReplaceAllString(r.Path, "{}")}
}

// pathParams lists the parameter names of a path template, in order.
func pathParams(path string) []string {
	var names []string
	for _, m := range pathParamRE.FindAllStringSubmatch(path, -1) {
		names = append(names, m[1])
	}
	return names
}

// templateRoute is one HttpApi event of a function in template.yaml.
type templateRoute struct {
	route
	Function string // logical id
	Event    string
}

// templateRoutes returns the HttpApi routes of every AWS::Serverless::Function
// in a SAM template. It walks yaml.Node rather than decoding into maps, so
// CloudFormation short tags (!Ref, !Sub, !GetAtt, …) anywhere else in the
// template never matter; a Method or Path that is not a plain scalar is an
// error. An HttpApi event without Properties is API Gateway's $default route.
func templateRoutes(data []byte) ([]templateRoute, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	resources := lookup(&root, "Resources")
	if resources == nil || resources.Kind != yaml.MappingNode {
		return nil, errors.New("template has no Resources mapping")
	}
	var routes []templateRoute
	for i := 0; i+1 < len(resources.Content); i += 2 {
		id, res := resources.Content[i].Value, deref(resources.Content[i+1])
		if scalar(lookup(res, "Type")) != "AWS::Serverless::Function" {
			continue
		}
		events := lookup(res, "Properties", "Events")
		if events == nil {
			continue
		}
		if events.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: Events is not a mapping", id)
		}
		for j := 0; j+1 < len(events.Content); j += 2 {
			name, ev := events.Content[j].Value, deref(events.Content[j+1])
			if scalar(lookup(ev, "Type")) != "HttpApi" {
				continue
			}
			props := lookup(ev, "Properties")
			if props == nil {
				routes = append(routes, templateRoute{route{"ANY", "$default"}, id, name})
				continue
			}
			method, path := lookup(props, "Method"), lookup(props, "Path")
			if !plainScalar(method) || !plainScalar(path) {
				return nil, fmt.Errorf("%s.%s: Method and Path must be plain strings", id, name)
			}
			routes = append(routes, templateRoute{route{strings.ToUpper(method.Value), path.Value}, id, name})
		}
	}
	sort.Slice(routes, func(a, b int) bool { return routes[a].String() < routes[b].String() })
	return routes, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) > 0 {
			n = n.Content[0]
		} else {
			return nil
		}
	}
	return n
}

// lookup follows a path of mapping keys; nil when any step is missing.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	n = deref(n)
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = deref(n.Content[i+1])
				break
			}
		}
		n = next
	}
	return n
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// plainScalar reports whether n is a string scalar without a CloudFormation tag.
func plainScalar(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "") && n.Value != ""
}

// compareRoutes checks the deployed routes against the OpenAPI operations and
// the pending list:
//   - every template route is described (same shape, same parameter names) and
//     is not local-only;
//   - every described non-local operation is deployed or pending;
//   - no pending route is deployed already, local-only, or unknown to OpenAPI;
//   - the template has no route twice.
func compareRoutes(tmpl []templateRoute, ops []operation, pending map[route]string) []string {
	var problems []string
	described := map[route]operation{}
	for _, op := range ops {
		described[op.shape()] = op
	}
	deployed := map[route]bool{}
	for _, tr := range tmpl {
		s := tr.shape()
		if deployed[s] {
			problems = append(problems, fmt.Sprintf("template: %s (%s.%s) is declared twice", tr.route, tr.Function, tr.Event))
		}
		deployed[s] = true
		op, ok := described[s]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("template route %s (%s.%s) is not in openapi.yaml", tr.route, tr.Function, tr.Event))
		case op.Path != tr.Path:
			problems = append(problems, fmt.Sprintf("template route %s (%s) is %s in openapi.yaml: use the same parameter names", tr.route, tr.Function, op.route))
		case op.LocalOnly:
			problems = append(problems, fmt.Sprintf("template route %s (%s) is x-local-only in openapi.yaml and must never be deployed", tr.route, tr.Function))
		}
	}
	for _, op := range ops {
		s := op.shape()
		if op.LocalOnly || deployed[s] {
			continue
		}
		if _, ok := pending[op.route]; !ok {
			problems = append(problems, fmt.Sprintf("openapi operation %s (%s) is neither in template.yaml nor in the pending list", op.route, op.ID))
		}
	}
	for r := range pending {
		op, ok := described[r.shape()]
		switch {
		case deployed[r.shape()]:
			problems = append(problems, fmt.Sprintf("pending route %s is in template.yaml now: remove it from pending", r))
		case !ok || op.Path != r.Path:
			problems = append(problems, fmt.Sprintf("pending route %s is not an operation of openapi.yaml", r))
		case op.LocalOnly:
			problems = append(problems, fmt.Sprintf("pending route %s is x-local-only: local routes are never deployed, drop it from pending", r))
		}
	}
	sort.Strings(problems)
	return problems
}

// ---------------------------------------------------------------- OpenAPI model

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type operation struct {
	route
	ID        string
	LocalOnly bool
	Op        map[string]any // the operation object
	Item      map[string]any // its path item
}

func loadOpenAPI(data []byte) (map[string]any, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, errors.New("empty document")
	}
	return doc, nil
}

// asMap accepts both map shapes yaml.v3 produces.
func asMap(v any) map[string]any {
	switch m := v.(type) {
	case map[string]any:
		return m
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[fmt.Sprint(k)] = v
		}
		return out
	}
	return nil
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func asString(v any) string { s, _ := v.(string); return s }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func operations(doc map[string]any) []operation {
	var ops []operation
	paths := asMap(doc["paths"])
	for _, p := range sortedKeys(paths) {
		item := asMap(paths[p])
		for _, m := range httpMethods {
			op := asMap(item[m])
			if op == nil {
				continue
			}
			local, _ := op["x-local-only"].(bool)
			ops = append(ops, operation{route{strings.ToUpper(m), p}, asString(op["operationId"]), local, op, item})
		}
	}
	return ops
}

// resolve follows a local reference such as "#/components/schemas/Problem".
func resolve(doc map[string]any, ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m := asMap(cur)
		if m == nil {
			return nil, false
		}
		next, ok := m[tok]
		if !ok {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

// deep follows $ref chains until it reaches an object without one.
func deep(doc map[string]any, v any) map[string]any {
	m := asMap(v)
	for i := 0; m != nil && i < 16; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		target, _ := resolve(doc, ref)
		m = asMap(target)
	}
	return m
}

// parameters returns the resolved parameters of an operation, path-level ones
// first (an operation-level one with the same name and location overrides it).
func parameters(doc map[string]any, op operation) []map[string]any {
	var out []map[string]any
	index := map[string]int{}
	for _, list := range [][]any{asSlice(op.Item["parameters"]), asSlice(op.Op["parameters"])} {
		for _, p := range list {
			pm := deep(doc, p)
			if pm == nil {
				continue
			}
			key := asString(pm["in"]) + ":" + asString(pm["name"])
			if i, ok := index[key]; ok {
				out[i] = pm
				continue
			}
			index[key] = len(out)
			out = append(out, pm)
		}
	}
	return out
}

func hasParam(doc map[string]any, op operation, in, name string) bool {
	for _, p := range parameters(doc, op) {
		if p["in"] == in && p["name"] == name {
			return true
		}
	}
	return false
}

func responses(op operation) map[string]any { return asMap(op.Op["responses"]) }

// authenticated reports whether the operation's effective security needs a token.
func authenticated(doc map[string]any, op operation) bool {
	sec, ok := op.Op["security"]
	if !ok {
		sec = doc["security"]
	}
	for _, req := range asSlice(sec) {
		if len(asMap(req)) > 0 {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------- document checks

type docCheck struct {
	name string
	fn   func(doc map[string]any) []string
}

var docChecks = []docCheck{
	{"header", checkHeader},
	{"operation basics", checkOperationBasics},
	{"operationId unique", checkOperationIDs},
	{"refs resolve", checkRefs},
	{"path parameters", checkPathParams},
	{"distinct routes", checkDistinctRoutes},
	{"error responses use Problem", checkErrorResponses},
	{"security", checkSecurity},
	{"local-only operations", checkLocalOnly},
	{"request bodies", checkRequestBodies},
	{"list pagination", checkPagination},
	{"error codes", checkErrorCodes},
}

func checkHeader(doc map[string]any) []string {
	var problems []string
	if v := asString(doc["openapi"]); !strings.HasPrefix(v, "3.0.") && !strings.HasPrefix(v, "3.1.") {
		problems = append(problems, fmt.Sprintf("openapi version %q, want 3.0.x or 3.1.x", v))
	}
	info := asMap(doc["info"])
	if asString(info["title"]) == "" || asString(info["version"]) == "" {
		problems = append(problems, "info.title and info.version are required")
	}
	if asMap(doc["paths"]) == nil {
		problems = append(problems, "paths is missing")
	}
	return problems
}

func checkOperationBasics(doc map[string]any) []string {
	var problems []string
	for _, op := range operations(doc) {
		if asString(op.Op["summary"]) == "" {
			problems = append(problems, op.String()+": no summary")
		}
		if len(asSlice(op.Op["tags"])) == 0 {
			problems = append(problems, op.String()+": no tags")
		}
		success := false
		for code := range responses(op) {
			if strings.HasPrefix(code, "2") || strings.HasPrefix(code, "3") {
				success = true
			}
		}
		if !success {
			problems = append(problems, op.String()+": no 2xx or 3xx response")
		}
	}
	return problems
}

func checkOperationIDs(doc map[string]any) []string {
	var problems []string
	seen := map[string]route{}
	for _, op := range operations(doc) {
		if op.ID == "" {
			problems = append(problems, op.String()+": no operationId")
			continue
		}
		if prev, dup := seen[op.ID]; dup {
			problems = append(problems, fmt.Sprintf("operationId %q used by %s and %s", op.ID, prev, op.route))
		}
		seen[op.ID] = op.route
	}
	return problems
}

func checkRefs(doc map[string]any) []string {
	var problems []string
	var walk func(v any, at string)
	walk = func(v any, at string) {
		if m := asMap(v); m != nil {
			if ref, ok := m["$ref"]; ok {
				s, isString := ref.(string)
				if _, found := resolve(doc, s); !isString || !found {
					problems = append(problems, fmt.Sprintf("%s: $ref %v does not resolve", at, ref))
				}
			}
			for _, k := range sortedKeys(m) {
				walk(m[k], at+"/"+k)
			}
			return
		}
		for i, e := range asSlice(v) {
			walk(e, at+"/"+strconv.Itoa(i))
		}
	}
	walk(doc, "#")
	return problems
}

func checkPathParams(doc map[string]any) []string {
	var problems []string
	for _, op := range operations(doc) {
		inPath := pathParams(op.Path)
		declared := map[string]bool{}
		for _, p := range parameters(doc, op) {
			if p["in"] != "path" {
				continue
			}
			name := asString(p["name"])
			declared[name] = true
			if !slices.Contains(inPath, name) {
				problems = append(problems, fmt.Sprintf("%s: path parameter %q is not in the path", op.route, name))
			}
			if p["required"] != true {
				problems = append(problems, fmt.Sprintf("%s: path parameter %q must be required", op.route, name))
			}
		}
		for _, name := range inPath {
			if !declared[name] {
				problems = append(problems, fmt.Sprintf("%s: path parameter %q is not declared", op.route, name))
			}
		}
	}
	return problems
}

func checkDistinctRoutes(doc map[string]any) []string {
	var problems []string
	seen := map[route]route{}
	for _, op := range operations(doc) {
		if prev, dup := seen[op.shape()]; dup {
			problems = append(problems, fmt.Sprintf("%s and %s are the same route to API Gateway", prev, op.route))
		}
		seen[op.shape()] = op.route
	}
	return problems
}

// errorCodeEnum returns the enum of Problem.code.
func errorCodeEnum(doc map[string]any) map[string]bool {
	problem := deep(doc, map[string]any{"$ref": "#/components/schemas/Problem"})
	code := deep(doc, asMap(problem["properties"])["code"])
	enum := map[string]bool{}
	for _, v := range asSlice(code["enum"]) {
		enum[asString(v)] = true
	}
	return enum
}

// errorResponse is one 4xx/5xx response of an operation, resolved.
type errorResponse struct {
	at       string // "POST /bookings 409"
	status   int
	resp     map[string]any
	examples []map[string]any // example values of its problem+json content
}

func errorResponses(doc map[string]any) []errorResponse {
	var out []errorResponse
	for _, op := range operations(doc) {
		resps := responses(op)
		for _, status := range sortedKeys(resps) {
			n, err := strconv.Atoi(status)
			if err != nil || n < 400 {
				continue
			}
			er := errorResponse{at: op.String() + " " + status, status: n, resp: deep(doc, resps[status])}
			media := asMap(asMap(er.resp["content"])["application/problem+json"])
			if ex, ok := media["example"]; ok {
				er.examples = append(er.examples, asMap(ex))
			}
			named := asMap(media["examples"])
			for _, k := range sortedKeys(named) {
				er.examples = append(er.examples, asMap(deep(doc, named[k])["value"]))
			}
			out = append(out, er)
		}
	}
	return out
}

// checkErrorResponses requires every 4xx/5xx response to be problem+json with
// the Problem schema, and every example in it to use a known code and the
// response's status.
func checkErrorResponses(doc map[string]any) []string {
	var problems []string
	enum := errorCodeEnum(doc)
	for _, er := range errorResponses(doc) {
		content := asMap(er.resp["content"])
		if len(content) != 1 || content["application/problem+json"] == nil {
			problems = append(problems, er.at+": content must be application/problem+json only")
			continue
		}
		schema := asMap(asMap(content["application/problem+json"])["schema"])
		if schema["$ref"] != "#/components/schemas/Problem" {
			problems = append(problems, er.at+": schema must be $ref #/components/schemas/Problem")
		}
		for _, ex := range er.examples {
			if code := asString(ex["code"]); !enum[code] {
				problems = append(problems, fmt.Sprintf("%s: example code %q is not in the Problem code enum", er.at, code))
			}
			if got, _ := ex["status"].(int); got != er.status {
				problems = append(problems, fmt.Sprintf("%s: example status %v", er.at, ex["status"]))
			}
		}
	}
	return problems
}

func checkSecurity(doc map[string]any) []string {
	var problems []string
	schemes := asMap(asMap(doc["components"])["securitySchemes"])
	bearer := asMap(schemes["bearerAuth"])
	if bearer["type"] != "http" || bearer["scheme"] != "bearer" || bearer["bearerFormat"] != "JWT" {
		problems = append(problems, "components.securitySchemes.bearerAuth must be http bearer JWT")
	}
	for _, op := range operations(doc) {
		wantPublic := op.LocalOnly || slices.Contains(publicOperations, op.route)
		auth := authenticated(doc, op)
		switch {
		case wantPublic && auth:
			problems = append(problems, op.String()+": must be public (security: [])")
		case !wantPublic && !auth:
			problems = append(problems, op.String()+": must require bearerAuth")
		case auth && responses(op)["401"] == nil:
			problems = append(problems, op.String()+": authenticated operation without a 401 response")
		case !auth && responses(op)["401"] != nil:
			problems = append(problems, op.String()+": public operation documents 401")
		}
	}
	return problems
}

func checkLocalOnly(doc map[string]any) []string {
	var problems []string
	for _, op := range operations(doc) {
		tagged := slices.Contains(asSlice(op.Op["tags"]), any("local"))
		underLocal := strings.HasPrefix(op.Path, "/_local/")
		if op.LocalOnly != tagged || op.LocalOnly != underLocal {
			problems = append(problems, fmt.Sprintf("%s: x-local-only=%v, tag local=%v, under /_local/=%v must agree", op.route, op.LocalOnly, tagged, underLocal))
		}
		if v, ok := op.Op["x-local-only"]; ok && v != true {
			problems = append(problems, fmt.Sprintf("%s: x-local-only must be true or absent", op.route))
		}
	}
	return problems
}

// checkRequestBodies: an operation with a JSON body documents 400 and 413
// (bodies over 1 MiB).
func checkRequestBodies(doc map[string]any) []string {
	var problems []string
	for _, op := range operations(doc) {
		body := deep(doc, op.Op["requestBody"])
		if body == nil {
			continue
		}
		if asMap(body["content"])["application/json"] == nil {
			problems = append(problems, op.String()+": request body must be application/json")
		}
		for _, status := range []string{"400", "413"} {
			if responses(op)[status] == nil {
				problems = append(problems, fmt.Sprintf("%s: has a request body but no %s response", op.route, status))
			}
		}
	}
	return problems
}

// checkPagination: a GET answering a list envelope {items, nextToken} takes
// limit (default 50, maximum 200) and nextToken.
func checkPagination(doc map[string]any) []string {
	var problems []string
	for _, op := range operations(doc) {
		if op.Method != "GET" {
			continue
		}
		ok := deep(doc, responses(op)["200"])
		schema := deep(doc, asMap(asMap(asMap(ok["content"])["application/json"]))["schema"])
		props := asMap(schema["properties"])
		if props["items"] == nil || props["nextToken"] == nil {
			continue
		}
		var limit map[string]any
		for _, p := range parameters(doc, op) {
			if p["in"] == "query" && p["name"] == "limit" {
				limit = deep(doc, p["schema"])
			}
		}
		if limit == nil || limit["default"] != 50 || limit["maximum"] != 200 {
			problems = append(problems, op.String()+": list operation needs query limit with default 50 and maximum 200")
		}
		if !hasParam(doc, op, "query", "nextToken") {
			problems = append(problems, op.String()+": list operation needs query nextToken")
		}
	}
	return problems
}

// checkErrorCodes: the Problem code enum holds every code of the contract, and
// an example using a contract code sits under the contract's status.
func checkErrorCodes(doc map[string]any) []string {
	var problems []string
	enum := errorCodeEnum(doc)
	for _, code := range slices.Sorted(maps.Keys(contractCodes)) {
		if !enum[code] {
			problems = append(problems, fmt.Sprintf("Problem code enum lacks %q", code))
		}
	}
	for _, er := range errorResponses(doc) {
		for _, ex := range er.examples {
			code := asString(ex["code"])
			if want, ok := contractCodes[code]; ok && want != er.status {
				problems = append(problems, fmt.Sprintf("%s: code %q belongs under %d", er.at, code, want))
			}
		}
	}
	return problems
}

// ---------------------------------------------------------------- tests on the real files

func readOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := loadOpenAPI(data)
	if err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	doc := readOpenAPI(t)
	for _, c := range docChecks {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, p := range c.fn(doc) {
				t.Error(p)
			}
		})
	}
}

// TestErrorResponsesPerContract: each contract error has a response with its
// status on the operations the contract names it for.
func TestErrorResponsesPerContract(t *testing.T) {
	t.Parallel()
	doc := readOpenAPI(t)
	byRoute := map[route]operation{}
	for _, op := range operations(doc) {
		byRoute[op.route] = op
	}
	tests := []struct {
		route  route
		status []string
	}{
		{route{"GET", "/services/{id}"}, []string{"404"}},
		{route{"GET", "/institutions/{id}"}, []string{"404"}},
		{route{"GET", "/institutions/{id}/slots"}, []string{"400"}},
		{route{"GET", "/me/profile"}, []string{"404"}},
		{route{"PUT", "/me/profile"}, []string{"400"}},
		{route{"POST", "/bookings"}, []string{"404", "409", "422", "429"}},
		{route{"GET", "/bookings/{id}"}, []string{"404"}},
		{route{"POST", "/bookings/{id}/cancel"}, []string{"409"}},
		{route{"POST", "/bookings/{id}/reschedule"}, []string{"400", "409", "422"}},
		{route{"POST", "/bookings/{id}/documents"}, []string{"400"}},
		{route{"GET", "/bookings/{id}/confirmation"}, []string{"409"}},
		{route{"POST", "/institutions/{id}/slots"}, []string{"400", "403"}},
		{route{"PUT", "/institutions/{id}/schedule"}, []string{"400", "403"}},
		{route{"GET", "/institutions/{id}/bookings"}, []string{"403"}},
		{route{"POST", "/institutions/{id}/checkin"}, []string{"400", "404", "409"}},
		{route{"POST", "/bookings/{id}/attendance"}, []string{"403"}},
		{route{"POST", "/services"}, []string{"400", "403"}},
		{route{"POST", "/institutions"}, []string{"400", "403"}},
	}
	for _, tt := range tests {
		t.Run(tt.route.String(), func(t *testing.T) {
			t.Parallel()
			op, ok := byRoute[tt.route]
			if !ok {
				t.Fatalf("%s is not in openapi.yaml", tt.route)
			}
			for _, s := range tt.status {
				if responses(op)[s] == nil {
					t.Errorf("no %s response", s)
				}
			}
		})
	}
	for _, r := range []route{{"POST", "/bookings"}, {"POST", "/bookings/{id}/reschedule"}} {
		if !hasParam(doc, byRoute[r], "header", "Idempotency-Key") {
			t.Errorf("%s: no Idempotency-Key header", r)
		}
	}
	for _, op := range operations(doc) {
		if !op.LocalOnly && !hasParam(doc, op, "header", "Accept-Language") {
			t.Errorf("%s: no Accept-Language header", op.route)
		}
	}
}

func TestTemplateRoutesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(templateFile)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := templateRoutes(data)
	if err != nil {
		t.Fatalf("%s: %v", templateFile, err)
	}
	if len(tmpl) == 0 {
		t.Fatalf("%s has no HttpApi routes", templateFile)
	}
	for _, p := range compareRoutes(tmpl, operations(readOpenAPI(t)), pending) {
		t.Error(p)
	}
}

// ---------------------------------------------------------------- tests of the helpers on fixtures

const fixtureTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: provided.al2023
    Environment:
      Variables:
        TABLE_NAME: !Ref DataTable
Resources:
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Cognito
  ListServicesFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
    Properties:
      CodeUri: .
      Role: !GetAtt FunctionRole.Arn
      Policies:
        - DynamoDBReadPolicy:
            TableName: !Ref DataTable
      Events:
        List:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Method: get
            Path: /services
            Auth:
              Authorizer: NONE
        Get:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Method: GET
            Path: /services/{id}
  BookingWorker:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt ConfirmationQueue.Arn
        Tick:
          Type: Schedule
          Properties:
            Schedule: rate(1 minute)
  CreateBookingFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          QUEUE_URL: !Sub "https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/q"
      Events:
        Post:
          Type: HttpApi
          Properties:
            Method: Post
            Path: /bookings
  DataTable:
    Type: AWS::DynamoDB::Table
    Properties:
      Events:
        NotAFunction:
          Type: HttpApi
          Properties: {Method: GET, Path: /ignored}
`

func writeFixture(t *testing.T, name, content string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestTemplateRoutesFixture(t *testing.T) {
	t.Parallel()
	got, err := templateRoutes(writeFixture(t, "template.yaml", fixtureTemplate))
	if err != nil {
		t.Fatal(err)
	}
	want := []templateRoute{
		{route{"GET", "/services"}, "ListServicesFunction", "List"},
		{route{"GET", "/services/{id}"}, "ListServicesFunction", "Get"},
		{route{"POST", "/bookings"}, "CreateBookingFunction", "Post"},
	}
	sort.Slice(want, func(a, b int) bool { return want[a].String() < want[b].String() })
	if !slices.Equal(got, want) {
		t.Errorf("templateRoutes:\n got %v\nwant %v", got, want)
	}
}

func TestTemplateRoutesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, template string
		want           string // substring of the error; "" means no error
		routes         int
	}{
		{"no resources", "AWSTemplateFormatVersion: x\n", "no Resources", 0},
		{"bad yaml", "Resources: [\n", "yaml", 0},
		{"tagged path", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E:\n          Type: HttpApi\n          Properties:\n            Method: GET\n            Path: !Sub /x/${A}\n", "plain strings", 0},
		{"catch-all", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E:\n          Type: HttpApi\n", "", 1},
		{"anchors", "x: &ev\n  Type: HttpApi\n  Properties: {Method: delete, Path: /a}\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E: *ev\n", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			routes, err := templateRoutes([]byte(tt.template))
			if tt.want == "" {
				if err != nil || len(routes) != tt.routes {
					t.Fatalf("got %v, %v; want %d routes", routes, err, tt.routes)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

const fixtureOpenAPI = `openapi: 3.0.3
info: {title: t, version: "1"}
security:
  - bearerAuth: []
paths:
  /services:
    get:
      operationId: listServices
      security: []
      responses: {'200': {description: ok}}
  /services/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getService
      security: []
      responses: {'200': {description: ok}}
  /bookings:
    post:
      operationId: createBooking
      responses: {'201': {description: ok}}
  /bookings/{id}/cancel:
    post:
      operationId: cancelBooking
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
  /_local/health:
    get:
      operationId: localHealth
      x-local-only: true
      responses: {'200': {description: ok}}
`

func TestCompareRoutes(t *testing.T) {
	t.Parallel()
	doc, err := loadOpenAPI(writeFixture(t, "openapi.yaml", fixtureOpenAPI))
	if err != nil {
		t.Fatal(err)
	}
	ops := operations(doc)
	tr := func(method, path string) templateRoute { return templateRoute{route{method, path}, "F", "E"} }
	catalog := []templateRoute{tr("GET", "/services"), tr("GET", "/services/{id}")}
	tests := []struct {
		name    string
		tmpl    []templateRoute
		pending map[route]string
		want    []string // substrings, one per expected problem
	}{
		{
			name:    "catalog deployed, rest pending",
			tmpl:    catalog,
			pending: map[route]string{{"POST", "/bookings"}: "", {"POST", "/bookings/{id}/cancel"}: ""},
		},
		{
			name: "everything deployed",
			tmpl: append(slices.Clone(catalog), tr("POST", "/bookings"), tr("POST", "/bookings/{id}/cancel")),
		},
		{
			name:    "template route missing from openapi",
			tmpl:    append(slices.Clone(catalog), tr("DELETE", "/bookings/{id}")),
			pending: map[route]string{{"POST", "/bookings"}: "", {"POST", "/bookings/{id}/cancel"}: ""},
			want:    []string{"DELETE /bookings/{id} (F.E) is not in openapi.yaml"},
		},
		{
			name:    "openapi route neither deployed nor pending",
			tmpl:    catalog,
			pending: map[route]string{{"POST", "/bookings"}: ""},
			want:    []string{"POST /bookings/{id}/cancel (cancelBooking) is neither"},
		},
		{
			name:    "stale pending entry",
			tmpl:    append(slices.Clone(catalog), tr("POST", "/bookings")),
			pending: map[route]string{{"POST", "/bookings"}: "", {"POST", "/bookings/{id}/cancel"}: ""},
			want:    []string{"pending route POST /bookings is in template.yaml now"},
		},
		{
			name:    "pending entry unknown to openapi",
			tmpl:    catalog,
			pending: map[route]string{{"POST", "/bookings"}: "", {"POST", "/bookings/{id}/cancel"}: "", {"GET", "/nope"}: ""},
			want:    []string{"pending route GET /nope is not an operation"},
		},
		{
			name:    "pending entry is local-only",
			tmpl:    catalog,
			pending: map[route]string{{"POST", "/bookings"}: "", {"POST", "/bookings/{id}/cancel"}: "", {"GET", "/_local/health"}: ""},
			want:    []string{"pending route GET /_local/health is x-local-only"},
		},
		{
			name:    "local route deployed",
			tmpl:    append(slices.Clone(catalog), tr("GET", "/_local/health")),
			pending: map[route]string{{"POST", "/bookings"}: "", {"POST", "/bookings/{id}/cancel"}: ""},
			want:    []string{"GET /_local/health (F) is x-local-only"},
		},
		{
			name:    "parameter names differ",
			tmpl:    []templateRoute{tr("GET", "/services"), tr("GET", "/services/{serviceId}")},
			pending: map[route]string{{"POST", "/bookings"}: "", {"POST", "/bookings/{id}/cancel"}: ""},
			want:    []string{"GET /services/{serviceId} (F) is GET /services/{id} in openapi.yaml"},
		},
		{
			name:    "route declared twice",
			tmpl:    append(slices.Clone(catalog), tr("GET", "/services")),
			pending: map[route]string{{"POST", "/bookings"}: "", {"POST", "/bookings/{id}/cancel"}: ""},
			want:    []string{"GET /services (F.E) is declared twice"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := compareRoutes(tt.tmpl, ops, tt.pending)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems %q, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q, want it to mention %q", got[i], w)
				}
			}
		})
	}
}

// TestChecksCatchBrokenDocuments feeds each check a small document with one
// defect and expects the check to report it (and a good document to pass).
func TestChecksCatchBrokenDocuments(t *testing.T) {
	t.Parallel()
	const good = `openapi: 3.0.3
info: {title: t, version: "1"}
security: [{bearerAuth: []}]
paths:
  /things/{id}:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      operationId: getThing
      summary: s
      tags: [catalog]
      security: []
      responses:
        '200': {description: ok}
        '404': {$ref: '#/components/responses/NotFound'}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: string}}
  responses:
    NotFound:
      description: nf
      content:
        application/problem+json:
          schema: {$ref: '#/components/schemas/Problem'}
          example: {code: not_found, status: 404}
  schemas:
    Problem:
      type: object
      properties:
        code: {$ref: '#/components/schemas/Code'}
    Code: {type: string, enum: [not_found]}
`
	tests := []struct {
		name  string
		check func(map[string]any) []string
		edit  func(string) string
		want  string
	}{
		{"missing operationId", checkOperationIDs, func(s string) string { return strings.Replace(s, "      operationId: getThing\n", "", 1) }, "no operationId"},
		{"duplicate operationId", checkOperationIDs, func(s string) string {
			return strings.Replace(s, "components:", "  /other:\n    get:\n      operationId: getThing\n      responses: {'200': {description: ok}}\ncomponents:", 1)
		}, `"getThing" used by`},
		{"dangling ref", checkRefs, func(s string) string { return strings.Replace(s, "responses/NotFound'", "responses/Gone'", 1) }, "does not resolve"},
		{"undeclared path parameter", checkPathParams, func(s string) string {
			return strings.Replace(s, "    parameters:\n      - $ref: '#/components/parameters/Id'\n", "", 1)
		}, `"id" is not declared`},
		{"extra path parameter", checkPathParams, func(s string) string { return strings.Replace(s, "/things/{id}:", "/things/{thingId}:", 1) }, `"id" is not in the path`},
		{"optional path parameter", checkPathParams, func(s string) string { return strings.Replace(s, "required: true", "required: false", 1) }, "must be required"},
		{"error without Problem", checkErrorResponses, func(s string) string {
			return strings.Replace(s, "schema: {$ref: '#/components/schemas/Problem'}", "schema: {type: object}", 1)
		}, "must be $ref #/components/schemas/Problem"},
		{"error as plain json", checkErrorResponses, func(s string) string { return strings.Replace(s, "application/problem+json:", "application/json:", 1) }, "application/problem+json only"},
		{"example with unknown code", checkErrorResponses, func(s string) string { return strings.Replace(s, "{code: not_found,", "{code: gone,", 1) }, `"gone" is not in the Problem code enum`},
		{"example with wrong status", checkErrorResponses, func(s string) string { return strings.Replace(s, "status: 404}", "status: 410}", 1) }, "example status 410"},
		{"contract public operation", checkSecurity, func(s string) string { return strings.Replace(s, "/things/{id}:", "/services/{id}:", 1) }, ""},
		{"public operation not in the contract", checkSecurity, func(s string) string { return s }, "must require bearerAuth"},
		{"authenticated operation without 401", checkSecurity, func(s string) string { return strings.Replace(s, "      security: []\n", "", 1) }, "without a 401 response"},
		{"contract code under the wrong status", checkErrorCodes, func(s string) string {
			return strings.Replace(strings.Replace(s, "enum: [not_found]", "enum: [not_found, slot_full]", 1), "{code: not_found, status: 404}", "{code: slot_full, status: 404}", 1)
		}, `"slot_full" belongs under 409`},
		{"local op not tagged", checkLocalOnly, func(s string) string { return strings.Replace(s, "/things/{id}:", "/_local/{id}:", 1) }, "must agree"},
		{"missing contract codes", checkErrorCodes, func(s string) string { return s }, `lacks "slot_full"`},
		{"old openapi", checkHeader, func(s string) string { return strings.Replace(s, "openapi: 3.0.3", "swagger: '2.0'", 1) }, "openapi version"},
	}
	doc, err := loadOpenAPI([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []func(map[string]any) []string{checkOperationIDs, checkRefs, checkPathParams, checkErrorResponses, checkLocalOnly, checkHeader} {
		if p := c(doc); len(p) > 0 {
			t.Errorf("good fixture: %q", p)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := loadOpenAPI([]byte(tt.edit(good)))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(tt.check(doc), "\n")
			if tt.want == "" {
				if got != "" {
					t.Fatalf("unexpected problems:\n%s", got)
				}
				return
			}
			if !strings.Contains(got, tt.want) {
				t.Fatalf("problems:\n%s\nwant one mentioning %q", got, tt.want)
			}
		})
	}
}
