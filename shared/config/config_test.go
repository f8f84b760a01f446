package config

import (
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestLoadAPI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		wantErr bool
		want    API
	}{
		{"minimal", map[string]string{"TABLE_NAME": "t"}, false, API{TableName: "t", Base: Base{LogLevel: slog.LevelInfo}}},
		{"endpoint and level", map[string]string{"TABLE_NAME": "t", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "LOG_LEVEL": "debug"}, false,
			API{TableName: "t", Base: Base{EndpointURL: "http://127.0.0.1:4566", LogLevel: slog.LevelDebug}}},
		{"missing table", map[string]string{}, true, API{}},
		{"blank table", map[string]string{"TABLE_NAME": "  "}, true, API{}},
		{"bad level", map[string]string{"TABLE_NAME": "t", "LOG_LEVEL": "loud"}, true, API{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := LoadAPI(env(tt.env))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoadAPINeeds(t *testing.T) {
	t.Parallel()
	full := map[string]string{
		"TABLE_NAME": "t", "DOCUMENTS_BUCKET": "b", "DOCUMENT_CHECK_QUEUE_URL": "http://q/check",
		"CONFIRMATION_QUEUE_URL": "http://q/confirm", "TICKET_SIGNING_KEY": "0123456789abcdef0123456789abcdef",
	}
	without := func(k string) map[string]string {
		m := map[string]string{}
		for kk, v := range full {
			if kk != k {
				m[kk] = v
			}
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		needs   []Need
		wantErr string
	}{
		{"all present", full, []Need{NeedDocumentsBucket, NeedDocumentCheckQueue, NeedConfirmationQueue, NeedTicketKey}, ""},
		{"bucket missing", without("DOCUMENTS_BUCKET"), []Need{NeedDocumentsBucket}, "DOCUMENTS_BUCKET is required"},
		{"bucket not needed", without("DOCUMENTS_BUCKET"), []Need{NeedConfirmationQueue}, ""},
		{"check queue missing", without("DOCUMENT_CHECK_QUEUE_URL"), []Need{NeedDocumentCheckQueue}, "DOCUMENT_CHECK_QUEUE_URL is required"},
		{"confirmation queue missing", without("CONFIRMATION_QUEUE_URL"), []Need{NeedConfirmationQueue}, "CONFIRMATION_QUEUE_URL is required"},
		{"key missing", without("TICKET_SIGNING_KEY"), []Need{NeedTicketKey}, "TICKET_SIGNING_KEY is required"},
		{"key short", map[string]string{"TABLE_NAME": "t", "TICKET_SIGNING_KEY": "short-secret"}, []Need{NeedTicketKey}, "at least 32 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := LoadAPI(env(tt.env), tt.needs...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "short-secret") || len(got.TicketKey) > 0 && err != nil && tt.name == "key short" {
				t.Fatal("the error or the config carries the short key")
			}
		})
	}
}
