package runner

import (
	"net/http"
	"strings"
	"testing"
)

func TestHealth(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		r := call(t, s, http.MethodGet, "/_local/health", "", nil)
		r.ok(t, 200)
		var h struct {
			Status string    `json:"status"`
			Routes int       `json:"routes"`
			Seed   SeedStats `json:"seed"`
		}
		r.decode(t, &h)
		if h.Status != "ok" || h.Routes < 6 || h.Seed.Slots == 0 {
			t.Fatalf("health %+v", h)
		}
	})
}

func TestTokenEndpoint(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		tests := []struct {
			name   string
			body   any
			fields string
		}{
			{"no sub", map[string]any{"groups": []string{"citizen"}}, "sub"},
			{"no groups", map[string]any{"sub": "a"}, "groups"},
			{"unknown group", map[string]any{"sub": "a", "groups": []string{"root"}}, "groups[0]"},
			{"operator without institution", map[string]any{"sub": "a", "groups": []string{"operator"}}, "institutionId"},
			{"unknown field", map[string]any{"sub": "a", "groups": []string{"citizen"}, "role": "x"}, "role"},
		}
		for _, tt := range tests {
			p := call(t, s, http.MethodPost, "/_local/token", "", tt.body).problem(t, 400, "validation_failed")
			if strings.Join(fieldsOf(p), ",") != tt.fields {
				t.Errorf("%s: fields %v, want %s", tt.name, fieldsOf(p), tt.fields)
			}
		}
		call(t, s, http.MethodGet, "/_local/token", "", nil).problem(t, 405, "method_not_allowed")
		call(t, s, http.MethodGet, "/_local/nothing", "", nil).problem(t, 404, "not_found")

		// A token from another key is refused.
		other, err := newDevKey("")
		if err != nil {
			t.Fatal(err)
		}
		forged, _, _ := other.issue(tokenRequest{Sub: "x", Groups: []string{"admin"}}, s.rn.now())
		call(t, s, http.MethodPost, "/services", forged, validService("Подделка")).problem(t, 401, "unauthorized")
	})
}

func TestCORSPreflight(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		r := call(t, s, http.MethodOptions, "/services", "", nil,
			"Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST")
		r.ok(t, http.StatusNoContent)
		if r.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
			!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
			t.Fatalf("CORS headers %v", r.header)
		}
	})
}
