package template

import (
	"sort"
	"strings"
	"unicode"
)

// TypeFunction is the SAM function resource type.
const TypeFunction = "AWS::Serverless::Function"

// Functions returns every AWS::Serverless::Function, sorted by logical id,
// with its routes, schedules, SQS sources and literal environment (globals
// overridden by the function's own).
func (t *Template) Functions() []Function {
	env, refs := environment(t.GlobalFunction())
	var out []Function
	for _, d := range t.Definitions(TypeFunction) {
		fn := Function{
			LogicalID:   d.LogicalID,
			Folder:      FolderOf(d.LogicalID),
			Environment: map[string]string{},
			EnvRefs:     map[string]string{},
			EnvComputed: map[string]bool{},
		}
		fn.CodeURI, _ = literal(d.Properties["CodeUri"])
		fn.BuildMethod, _ = d.Metadata["BuildMethod"].(string)
		ownEnv, ownRefs := environment(d.Properties)
		for k, v := range mapOf(mapOf(d.Properties["Environment"])["Variables"]) {
			if _, lit := ownEnv[k]; !lit {
				if _, ref := ownRefs[k]; !ref && v != nil {
					fn.EnvComputed[k] = true
				}
			}
		}
		for _, src := range []struct{ env, refs map[string]string }{{env, refs}, {ownEnv, ownRefs}} {
			for k, v := range src.env {
				fn.Environment[k] = v
				delete(fn.EnvRefs, k)
			}
			for k, v := range src.refs {
				fn.EnvRefs[k] = v
				delete(fn.Environment, k)
			}
		}

		events := mapOf(d.Properties["Events"])
		names := make([]string, 0, len(events))
		for name := range events {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			ev := mapOf(events[name])
			props := mapOf(ev["Properties"])
			switch ev["Type"] {
			case "HttpApi":
				method, _ := props["Method"].(string)
				path, _ := props["Path"].(string)
				auth, _ := mapOf(props["Auth"])["Authorizer"].(string)
				fn.Routes = append(fn.Routes, Route{
					Method:   strings.ToUpper(method),
					Path:     path,
					Function: d.LogicalID,
					Public:   auth == "NONE",
				})
			case "Schedule":
				expr, _ := props["Schedule"].(string)
				fn.Schedules = append(fn.Schedules, Schedule{Name: name, Expression: expr})
			case "ScheduleV2":
				expr, _ := props["ScheduleExpression"].(string)
				fn.Schedules = append(fn.Schedules, Schedule{Name: name, Expression: expr})
			case "SQS":
				if q, ok := refTarget(props["Queue"]); ok {
					fn.Queues = append(fn.Queues, q)
				}
			}
		}
		out = append(out, fn)
	}
	return out
}

// Routes returns the HTTP routes of every function, sorted by path, then
// method.
func (t *Template) Routes() []Route {
	var out []Route
	for _, fn := range t.Functions() {
		out = append(out, fn.Routes...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// environment splits Environment.Variables of props into literal values and
// references (variable → "X" for !Ref X, "X.Attr" for !GetAtt X.Attr). Other
// intrinsics are left out.
func environment(props map[string]any) (literals, refs map[string]string) {
	literals, refs = map[string]string{}, map[string]string{}
	vars := mapOf(mapOf(props["Environment"])["Variables"])
	for k, v := range vars {
		if s, ok := literal(v); ok {
			literals[k] = s
		} else if ref, ok := reference(v); ok {
			refs[k] = ref
		}
	}
	return literals, refs
}

// FolderOf returns the code folder of a function: the logical id without
// "Function", in kebab case, under functions/ (ListServicesFunction →
// functions/list-services, Remind24hFunction → functions/remind-24h).
func FolderOf(logicalID string) string {
	name := []rune(strings.TrimSuffix(logicalID, "Function"))
	var b strings.Builder
	for i, r := range name {
		if i > 0 {
			prev := name[i-1]
			nextLower := i+1 < len(name) && unicode.IsLower(name[i+1])
			switch {
			case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)),
				unicode.IsUpper(r) && unicode.IsUpper(prev) && nextLower, // HTTPServer → http-server
				unicode.IsDigit(r) && unicode.IsLower(prev):
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return "functions/" + b.String()
}

// LogicalIDOf is the inverse of FolderOf: functions/remind-24h (or
// remind-24h) → Remind24hFunction.
func LogicalIDOf(folder string) string {
	var b strings.Builder
	for _, part := range strings.Split(strings.TrimPrefix(folder, "functions/"), "-") {
		if part == "" {
			continue
		}
		r := []rune(part)
		b.WriteRune(unicode.ToUpper(r[0]))
		b.WriteString(string(r[1:]))
	}
	return b.String() + "Function"
}

// reference returns "X" for {"Ref": X} and "X.Attr" for {"Fn::GetAtt": [X,
// Attr]}.
func reference(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	if r, ok := m["Ref"].(string); ok {
		return r, true
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
		res, ok1 := ga[0].(string)
		attr, ok2 := ga[1].(string)
		if ok1 && ok2 {
			return res + "." + attr, true
		}
	}
	return "", false
}
