package bench

import (
	"slices"
	"testing"
)

func TestKeyOrder(t *testing.T) {
	tests := []struct {
		name string
		js   string
		want []string
	}{
		{"record", `{"z":1,"a":{"q":[1,{"x":2}]},"m":"s"}`, []string{"z", "a", "m"}},
		{"records", `[{"b":"x","a":[{"c":1}]},{"d":2}]`, []string{"b", "a"}},
		{"empty list", `[]`, nil},
		{"not an object", `3`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keyOrder([]byte(tt.js)); !slices.Equal(got, tt.want) {
				t.Errorf("keyOrder(%s) = %v, want %v", tt.js, got, tt.want)
			}
		})
	}
}

func TestTableFollowsFieldOrder(t *testing.T) {
	type row struct {
		Run  string  `json:"run"`
		Due  int     `json:"due"`
		Rate float64 `json:"rate"`
	}
	got := table([]row{{"remind-24h", 100, 1}, {"expire-pending", 7, 0.125}})
	want := "| run | due | rate |\n|---|---|---|\n| remind-24h | 100 | 1 |\n| expire-pending | 7 | 0.125 |\n"
	if got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}
