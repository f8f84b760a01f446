package template

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed SAM template. Intrinsic functions are held in their
// long (JSON) form whatever the YAML used: `!Ref X` is {"Ref": "X"},
// `!GetAtt A.B` is {"Fn::GetAtt": ["A", "B"]}, `!Sub s` is {"Fn::Sub": s}.
// Maps are map[string]any, lists []any, scalars string, int, float64, bool
// or nil.
type Template struct {
	Globals    map[string]any
	Parameters map[string]any
	Outputs    map[string]any
	defs       map[string]Definition
}

// Definition is one entry of the template's Resources section.
type Definition struct {
	LogicalID           string
	Type                string
	Properties          map[string]any
	Metadata            map[string]any
	DeletionPolicy      string
	UpdateReplacePolicy string
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse parses a template from YAML (or JSON, which is YAML).
func Parse(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	v, err := convert(&doc)
	if err != nil {
		return nil, err
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("template is not a mapping")
	}
	t := &Template{
		Globals:    mapOf(root["Globals"]),
		Parameters: mapOf(root["Parameters"]),
		Outputs:    mapOf(root["Outputs"]),
		defs:       map[string]Definition{},
	}
	resources, ok := root["Resources"].(map[string]any)
	if !ok {
		return nil, errors.New("template has no Resources mapping")
	}
	for id, raw := range resources {
		r, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s is not a mapping", id)
		}
		typ, _ := r["Type"].(string)
		if typ == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		d := Definition{
			LogicalID:  id,
			Type:       typ,
			Properties: mapOf(r["Properties"]),
			Metadata:   mapOf(r["Metadata"]),
		}
		d.DeletionPolicy, _ = r["DeletionPolicy"].(string)
		d.UpdateReplacePolicy, _ = r["UpdateReplacePolicy"].(string)
		t.defs[id] = d
	}
	return t, nil
}

// Definitions returns the resources of type typ ("" for all), sorted by
// logical id.
func (t *Template) Definitions(typ string) []Definition {
	var out []Definition
	for _, d := range t.defs {
		if typ == "" || d.Type == typ {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LogicalID < out[j].LogicalID })
	return out
}

// Definition returns the resource with logical id id.
func (t *Template) Definition(id string) (Definition, bool) {
	d, ok := t.defs[id]
	return d, ok
}

// GlobalFunction returns Globals.Function (nil when absent).
func (t *Template) GlobalFunction() map[string]any { return mapOf(t.Globals["Function"]) }

// convert turns a YAML node into plain Go values, rewriting CloudFormation
// short-form tags into their long form.
func convert(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return convert(n.Content[0])
	case yaml.AliasNode:
		return convert(n.Alias)
	}
	if fn, ok := intrinsic(n.Tag); ok {
		return convertIntrinsic(fn, n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" { // `<<: *anchor`
				merged, err := convert(v)
				if err != nil {
					return nil, err
				}
				mm, ok := merged.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("line %d: merge of a non-mapping", v.Line)
				}
				for mk, mv := range mm {
					if _, set := m[mk]; !set {
						m[mk] = mv
					}
				}
				continue
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			val, err := convert(v)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := convert(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		// CloudFormation has no timestamps: keep `2012-10-17` a string.
		if n.Tag == "!!timestamp" {
			return n.Value, nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node kind %d", n.Line, n.Kind)
}

// intrinsic maps a short-form tag to its long-form key: !Ref → Ref,
// !Condition → Condition, !Sub → Fn::Sub, …
func intrinsic(tag string) (string, bool) {
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return "", false
	}
	name := tag[1:]
	if name == "Ref" || name == "Condition" {
		return name, true
	}
	return "Fn::" + name, true
}

func convertIntrinsic(fn string, n *yaml.Node) (any, error) {
	if n.Kind == yaml.ScalarNode {
		if fn == "Fn::GetAtt" { // !GetAtt A.B.C → ["A", "B.C"]
			res, attr, ok := strings.Cut(n.Value, ".")
			if !ok {
				return nil, fmt.Errorf("line %d: !GetAtt %q needs Resource.Attribute", n.Line, n.Value)
			}
			return map[string]any{fn: []any{res, attr}}, nil
		}
		return map[string]any{fn: n.Value}, nil
	}
	plain := *n
	plain.Tag = ""
	v, err := convert(&plain)
	if err != nil {
		return nil, err
	}
	return map[string]any{fn: v}, nil
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// refTarget returns the logical id that v refers to: X for {"Ref": X} and
// {"Fn::GetAtt": [X, attr]}.
func refTarget(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	if r, ok := m["Ref"].(string); ok {
		return r, true
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
		if r, ok := ga[0].(string); ok {
			return r, true
		}
	}
	return "", false
}

// literal returns v as a string when it is a scalar (not an intrinsic).
func literal(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int, int64, float64, bool:
		return fmt.Sprint(x), true
	}
	return "", false
}
