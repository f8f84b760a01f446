package domain

import (
	"testing"
	"time"
)

func TestRussianDateAndOffset(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 21, 30, 0, 0, time.UTC)
	cases := []struct {
		zone, date, offset string
	}{
		{"UTC", "22 ноября 2026 г.", "UTC"},
		{"Europe/Kaliningrad", "22 ноября 2026 г.", "UTC+2"},
		{"Europe/Moscow", "23 ноября 2026 г.", "UTC+3"},
		{"Asia/Kamchatka", "23 ноября 2026 г.", "UTC+12"},
		{"Asia/Kolkata", "23 ноября 2026 г.", "UTC+5:30"},
		{"America/St_Johns", "22 ноября 2026 г.", "UTC-3:30"},
	}
	for _, c := range cases {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		local := at.In(loc)
		if got := RussianDate(local); got != c.date {
			t.Errorf("%s: date %q, want %q", c.zone, got, c.date)
		}
		if got := UTCOffset(local); got != c.offset {
			t.Errorf("%s: offset %q, want %q", c.zone, got, c.offset)
		}
	}
	if got := RussianDate(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)); got != "5 января 2026 г." {
		t.Errorf("January: %q", got)
	}
}
