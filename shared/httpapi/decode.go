package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/zapis/zapis/shared/domain"
)

// MaxBodyBytes bounds every JSON request body (1 MiB).
const MaxBodyBytes = 1 << 20

// decodeJSON reads the request body into dst strictly: JSON media type, at
// most MaxBodyBytes, one value, no unknown fields, right types. Each failure
// is a client error with field paths, never a 500.
func decodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errUnsupportedMedia
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errBodyTooLarge
		}
		return withDetail(errMalformedJSON, "could not read body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return withDetail(errMalformedJSON, "empty body")
	}

	// First pass: syntax and unknown fields, so that every unknown field can
	// be named with its path.
	var generic any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return syntaxProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return withDetail(errMalformedJSON, "unexpected data after the JSON value")
	}
	var p domain.Problems
	for _, f := range unknownFields(reflect.TypeOf(dst), generic, "") {
		p.Add(f, "unknown_field", "Неизвестное поле")
	}
	if err := p.Err(); err != nil {
		return err
	}

	// Second pass: types.
	if err := json.Unmarshal(body, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "$"
			}
			return domain.Invalid(field, "invalid_type", fmt.Sprintf("Неверный тип значения: ожидается %s", kindName(te.Type)))
		}
		return syntaxProblem(err)
	}
	return nil
}

func syntaxProblem(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return withDetail(errMalformedJSON, fmt.Sprintf("syntax error at offset %d", se.Offset))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return withDetail(errMalformedJSON, "unexpected end of JSON")
	}
	return withDetail(errMalformedJSON, "invalid JSON")
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "строка"
	case reflect.Bool:
		return "логическое значение"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "целое число"
	case reflect.Float32, reflect.Float64:
		return "число"
	case reflect.Slice, reflect.Array:
		return "массив"
	case reflect.Map, reflect.Struct:
		return "объект"
	}
	return t.String()
}

// unknownFields lists the JSON paths in v that t has no field for.
func unknownFields(t reflect.Type, v any, path string) []string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return nil
	}
	switch val := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			fields := jsonFields(t)
			var out []string
			keys := make([]string, 0, len(val))
			for k := range val {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				ft, ok := fields[k]
				if !ok {
					out = append(out, join(path, k))
					continue
				}
				out = append(out, unknownFields(ft, val[k], join(path, k))...)
			}
			return out
		case reflect.Map:
			var out []string
			for k, e := range val {
				out = append(out, unknownFields(t.Elem(), e, join(path, k))...)
			}
			sort.Strings(out)
			return out
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			var out []string
			for i, e := range val {
				out = append(out, unknownFields(t.Elem(), e, fmt.Sprintf("%s[%d]", path, i))...)
			}
			return out
		}
	}
	return nil
}

// join extends a field path; a key that cannot be written as a dotted
// name (empty, or holding a dot) is quoted, so the path still names it.
func join(path, k string) string {
	if k == "" || strings.ContainsAny(k, ".[]\"") {
		return path + "[" + strconv.Quote(k) + "]"
	}
	if path == "" {
		return k
	}
	return path + "." + k
}

// jsonFields maps JSON names to field types, following embedded structs the
// way encoding/json does.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
