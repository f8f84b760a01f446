package runner

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zapis/zapis/shared/domain"
)

type response struct {
	status int
	header http.Header
	body   []byte
}

type problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Code   string              `json:"code"`
	Detail string              `json:"detail"`
	Errors []domain.FieldError `json:"errors"`
}

// call sends one request to the stack; body may be a string (sent as is) or
// any value (sent as JSON).
func call(t *testing.T, s stack, method, path, token string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, s.rn.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Timeout: 4 * time.Minute} // outlasts the runner's function timeout
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem checks that r is a problem+json with status and code.
func (r response) problem(t *testing.T, status int, code string) problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q: %s", ct, r.body)
	}
	var p problem
	r.decode(t, &p)
	if p.Code != code || p.Status != status || p.Title == "" || p.Type == "" {
		t.Fatalf("problem %+v, want %d %s", p, status, code)
	}
	return p
}

func (r response) ok(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
}

// token gets a local token for sub in groups.
func token(t *testing.T, s stack, sub string, institutionID string, groups ...string) string {
	t.Helper()
	body := map[string]any{"sub": sub, "groups": groups}
	if institutionID != "" {
		body["institutionId"] = institutionID
	}
	r := call(t, s, http.MethodPost, "/_local/token", "", body)
	r.ok(t, http.StatusOK)
	var out struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expiresAt"`
	}
	r.decode(t, &out)
	if out.Token == "" || out.ExpiresAt == "" {
		t.Fatalf("token response %s", r.body)
	}
	return out.Token
}

func fieldsOf(p problem) []string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Field)
	}
	return out
}
