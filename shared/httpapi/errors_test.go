package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zapis/zapis/shared/domain"
)

func TestProblemMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{domain.Invalid("snils", "invalid_checksum", "x"), 400, "validation_failed"},
		{domain.ErrUnauthorized, 401, "unauthorized"},
		{fmt.Errorf("op: %w", domain.ErrForbidden), 403, "forbidden"},
		{fmt.Errorf("get: %w", domain.ErrNotFound), 404, "not_found"},
		{domain.ErrSlotFull, 409, "slot_full"},
		{domain.ErrDuplicateBooking, 409, "duplicate_booking"},
		{domain.ErrTooLate, 409, "too_late"},
		{domain.ErrInvalidState, 409, "invalid_state"},
		{domain.ErrSlotInPast, 409, "slot_in_past"},
		{domain.ErrNotConfirmed, 409, "not_confirmed"},
		{domain.ErrRequestInProgress, 409, "request_in_progress"},
		{domain.ErrDocumentTooLarge, 400, "document_too_large"},
		{domain.ErrUnsupportedDocumentType, 400, "unsupported_document_type"},
		{domain.ErrProfileIncomplete, 422, "profile_incomplete"},
		{domain.ErrIdempotencyConflict, 422, "idempotency_conflict"},
		{domain.ErrRateLimited, 429, "rate_limited"},
		{fmt.Errorf("put: %w: throttled", domain.ErrUnavailable), 503, "service_unavailable"},
		{errBodyTooLarge, 413, "payload_too_large"},
		{errUnsupportedMedia, 415, "unsupported_media_type"},
		{errMethodNotAllowed, 405, "method_not_allowed"},
		{errRouteNotFound, 404, "not_found"},
		{errors.New("boom"), 500, "internal_error"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			for _, en := range []bool{false, true} {
				p, _ := problemFor(tt.err, en)
				if p.Status != tt.status || p.Code != tt.code {
					t.Fatalf("%v → %d %s, want %d %s", tt.err, p.Status, p.Code, tt.status, tt.code)
				}
				if p.Title == "" || p.Type != problemBase+tt.code {
					t.Fatalf("incomplete problem %+v", p)
				}
				if hasCyrillic(p.Title) == en {
					t.Fatalf("title %q for english=%v", p.Title, en)
				}
			}
		})
	}
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if r >= 'А' && r <= 'я' {
			return true
		}
	}
	return false
}

func TestValidationProblemCarriesFields(t *testing.T) {
	t.Parallel()
	var p domain.Problems
	p.Add("snils", "invalid_checksum", "Неверная контрольная сумма СНИЛС")
	p.Add("passport.series", "invalid_format", "Серия — 4 цифры")
	prob, _ := problemFor(fmt.Errorf("profile: %w", p.Err()), false)
	if len(prob.Errors) != 2 || prob.Errors[1].Field != "passport.series" {
		t.Fatalf("errors %+v", prob.Errors)
	}
}

func TestServeAnswersProblemJSONAndRecoversPanics(t *testing.T) {
	t.Parallel()
	a := &App{Log: discardLogger(), Now: fixedNow}
	h := a.serve("Test", func(w http.ResponseWriter, r *http.Request) error { panic("bad") })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	h = a.serve("Test", func(w http.ResponseWriter, r *http.Request) error { return domain.ErrUnavailable })
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("got %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}

func TestParseGroups(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"[citizen operator]", "citizen,operator"},
		{"[admin]", "admin"},
		{`["operator","citizen"]`, "citizen,operator"},
		// Only exact names count: these are groups of other names.
		{"citizen,admin", ""},
		{"[citizen,admin]", ""},
		{`["citizen,admin"]`, ""},
		{`["\"admin\""]`, ""},
		{`[citizen "admin"]`, "citizen"},
		{"[Admin citizen]", "citizen"},
		{"[admin", ""},
		{"[citizen admin]", "admin,citizen"},
		{"[citizen  citizen ]", "citizen"},
		{"[citizen-admin]", ""},
		{"citizen", "citizen"},
		{"", ""},
		{"[]", ""},
	}
	for _, tt := range tests {
		got := fmt.Sprint(ParseGroups(tt.in))
		want := fmt.Sprint(splitNonEmpty(tt.want))
		if got != want {
			t.Errorf("ParseGroups(%q) = %s, want %s", tt.in, got, want)
		}
	}
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
