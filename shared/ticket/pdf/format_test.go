package ticketpdf

import (
	"testing"
	"time"
)

func TestFormatSlot(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		zone       string
		start, end string
		want       string
	}{
		{"Europe/Kaliningrad", "2026-01-05T07:00:00Z", "2026-01-05T07:20:00Z", "5 января 2026 г., 09:00–09:20 (Europe/Kaliningrad, UTC+2)"},
		{"Europe/Moscow", "2026-03-08T06:15:00Z", "2026-03-08T06:30:00Z", "8 марта 2026 г., 09:15–09:30 (Europe/Moscow, UTC+3)"},
		{"Asia/Kamchatka", "2026-11-22T21:30:00Z", "2026-11-22T21:45:00Z", "23 ноября 2026 г., 09:30–09:45 (Asia/Kamchatka, UTC+12)"},
		{"Asia/Yekaterinburg", "2026-05-31T18:50:00Z", "2026-05-31T19:10:00Z", "31 мая 2026 г., 23:50–1 июня 2026 г., 00:10 (Asia/Yekaterinburg, UTC+5)"},
		{"Asia/Kolkata", "2026-08-15T04:30:00Z", "2026-08-15T05:00:00Z", "15 августа 2026 г., 10:00–10:30 (Asia/Kolkata, UTC+5:30)"},
		{"UTC", "2026-12-31T10:00:00Z", "2026-12-31T10:30:00Z", "31 декабря 2026 г., 10:00–10:30 (UTC, UTC)"},
		// Moscow was UTC+4 from 2011 to 2014: the offset is the one in force then.
		{"Europe/Moscow", "2013-02-01T05:00:00Z", "2013-02-01T05:15:00Z", "1 февраля 2013 г., 09:00–09:15 (Europe/Moscow, UTC+4)"},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.start, func(t *testing.T) {
			t.Parallel()
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			when, zone := formatSlot(at(tt.start), at(tt.end), loc)
			if got := when + " " + zone; got != tt.want {
				t.Errorf("formatSlot = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGroupCode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ABCD2345":     "ABCD-2345",
		"ABCD":         "ABCD",
		"ABC":          "ABC",
		"ABCDE":        "ABCDE",
		"ABCD2345WXYZ": "ABCD-2345-WXYZ",
	} {
		if got := groupCode(in); got != want {
			t.Errorf("groupCode(%q) = %q, want %q", in, got, want)
		}
	}
}
