package config

import (
	"log/slog"
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
			if !tt.wantErr && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
