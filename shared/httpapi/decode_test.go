package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zapis/zapis/shared/domain"
)

type decodeInner struct {
	Series string `json:"series"`
}

type decodeTarget struct {
	Name     string         `json:"name"`
	Count    int            `json:"count"`
	Inner    decodeInner    `json:"inner"`
	List     []decodeInner  `json:"list"`
	ByKey    map[string]int `json:"byKey"`
	Optional *decodeInner   `json:"optional,omitempty"`
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		contentType string
		body        string
		wantErr     error
		wantFields  []string // field paths in the validation error
	}{
		{"valid", "application/json", `{"name":"a","count":2,"inner":{"series":"4506"},"list":[{"series":"1"}],"byKey":{"x":1}}`, nil, nil},
		{"charset is fine", "application/json; charset=utf-8", `{"name":"a"}`, nil, nil},
		{"problem+json style types", "application/merge-patch+json", `{"name":"a"}`, nil, nil},
		{"no content type", "", `{"name":"a"}`, nil, nil},
		{"wrong media type", "text/plain", `{"name":"a"}`, errUnsupportedMedia, nil},
		{"empty body", "application/json", ``, errMalformedJSON, nil},
		{"blank body", "application/json", "  \n", errMalformedJSON, nil},
		{"syntax error", "application/json", `{"name": }`, errMalformedJSON, nil},
		{"truncated", "application/json", `{"name": "a"`, errMalformedJSON, nil},
		{"two values", "application/json", `{"name":"a"} {"name":"b"}`, errMalformedJSON, nil},
		{"unknown top-level field", "application/json", `{"name":"a","admin":true}`, domain.ErrValidation, []string{"admin"}},
		{"unknown nested fields", "application/json", `{"inner":{"series":"1","x":1},"list":[{"series":"1"},{"y":2}],"optional":{"z":3}}`, domain.ErrValidation, []string{"inner.x", "list[1].y", "optional.z"}},
		{"wrong type", "application/json", `{"count":"five"}`, domain.ErrValidation, []string{"count"}},
		{"wrong nested type", "application/json", `{"inner":{"series":4506}}`, domain.ErrValidation, []string{"inner.series"}},
		{"array instead of object", "application/json", `[1,2]`, domain.ErrValidation, []string{"$"}},
		{"too large", "application/json", `{"name":"` + strings.Repeat("я", MaxBodyBytes/2+10) + `"}`, errBodyTooLarge, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var dst decodeTarget
			err := decodeJSON(r, &dst)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			p, known := problemFor(err, false)
			if !known || p.Status >= 500 {
				t.Fatalf("client error mapped to %d", p.Status)
			}
			var got []string
			for _, f := range p.Errors {
				got = append(got, f.Field)
				if f.Code == "" || f.Message == "" {
					t.Errorf("field error without code or message: %+v", f)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.wantFields, ",") {
				t.Fatalf("fields %v, want %v", got, tt.wantFields)
			}
		})
	}
}
