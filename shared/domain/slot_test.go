package domain_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/zapis/zapis/shared/domain"
)

// slotFieldCodes flattens a validation error into "field=code" strings.
func slotFieldCodes(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *ValidationError", err)
	}
	if !errors.Is(err, domain.ErrValidation) {
		t.Fatalf("error %v does not match ErrValidation", err)
	}
	out := make([]string, 0, len(ve.Fields))
	for _, f := range ve.Fields {
		if f.Message == "" {
			t.Errorf("field %s: empty message", f.Field)
		}
		out = append(out, f.Field+"="+f.Code)
	}
	return out
}

func mustLoadLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestSlotIDRoundTrip(t *testing.T) {
	t.Parallel()
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	msk := time.FixedZone("MSK", 3*3600)
	tests := []struct {
		inst, svc string
		start     time.Time
	}{
		{"inst-mfc-msk-tverskoy", "svc-passport", time.Date(2026, 12, 1, 9, 0, 0, 0, msk)},
		{"inst-clinic-pkc-gp1", "svc-therapist", time.Date(2026, 12, 1, 21, 15, 0, 0, time.UTC)},
		{"a", "b", time.Unix(0, 0)},
		{"inst_x", "svc_y", time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		id := domain.NewSlotID(tt.inst, tt.svc, tt.start)
		if !urlSafe.MatchString(id) {
			t.Errorf("id %q is not URL-safe", id)
		}
		if again := domain.NewSlotID(tt.inst, tt.svc, tt.start.UTC()); again != id {
			t.Errorf("id depends on the zone of start: %q vs %q", id, again)
		}
		inst, svc, start, err := domain.ParseSlotID(id)
		if err != nil {
			t.Fatalf("ParseSlotID(%q): %v", id, err)
		}
		if inst != tt.inst || svc != tt.svc || !start.Equal(tt.start) || start.Location() != time.UTC {
			t.Errorf("ParseSlotID(%q) = %q, %q, %v; want %q, %q, %v UTC", id, inst, svc, start, tt.inst, tt.svc, tt.start)
		}
	}
	a := domain.NewSlotID("inst-a", "svc-a", time.Unix(1800000000, 0))
	for _, other := range []string{
		domain.NewSlotID("inst-b", "svc-a", time.Unix(1800000000, 0)),
		domain.NewSlotID("inst-a", "svc-b", time.Unix(1800000000, 0)),
		domain.NewSlotID("inst-a", "svc-a", time.Unix(1800000060, 0)),
	} {
		if other == a {
			t.Errorf("different slots share id %q", a)
		}
	}
}

func TestParseSlotIDMalformed(t *testing.T) {
	t.Parallel()
	enc := base64.RawURLEncoding.EncodeToString
	tests := map[string]string{
		"empty":          "",
		"not base64":     "!!!",
		"padded base64":  enc([]byte("a|b|1")) + "=",
		"two parts":      enc([]byte("inst|123")),
		"four parts":     enc([]byte("inst|svc|x|123")),
		"empty inst":     enc([]byte("|svc|123")),
		"empty service":  enc([]byte("inst||123")),
		"not a number":   enc([]byte("inst|svc|noon")),
		"plus sign":      enc([]byte("inst|svc|+123")),
		"leading zero":   enc([]byte("inst|svc|0123")),
		"empty time":     enc([]byte("inst|svc|")),
		"seconds":        enc([]byte("inst|svc|1800000030")),
		"overflow":       enc([]byte("inst|svc|99999999999999999999")),
		"std base64 alt": "aW5zdHxzdmN8MTIz+",
	}
	for name, id := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, _, _, err := domain.ParseSlotID(id); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("ParseSlotID(%q) error = %v, want ErrNotFound", id, err)
			}
		})
	}
}

func TestSlotFreeAndJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		capacity, booked, free int
	}{{3, 0, 3}, {3, 2, 1}, {3, 3, 0}, {2, 5, 0}}
	for _, tt := range tests {
		if got := (domain.Slot{Capacity: tt.capacity, Booked: tt.booked}).Free(); got != tt.free {
			t.Errorf("Free(cap %d, booked %d) = %d, want %d", tt.capacity, tt.booked, got, tt.free)
		}
	}

	msk := mustLoadLocation(t, "Europe/Moscow")
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, msk)
	s := domain.SlotSpec{ServiceID: "svc-passport", Start: start, End: start.Add(30 * time.Minute), Capacity: 4}.Slot("inst-mfc-msk-tverskoy")
	s.Booked = 1
	if s.ID != domain.NewSlotID("inst-mfc-msk-tverskoy", "svc-passport", start) || s.InstitutionID != "inst-mfc-msk-tverskoy" {
		t.Errorf("SlotSpec.Slot = %+v", s)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id": s.ID, "serviceId": "svc-passport", "start": "2026-12-01T06:00:00Z",
		"end": "2026-12-01T06:30:00Z", "capacity": 4.0, "free": 3.0,
	}
	if len(got) != len(want) {
		t.Errorf("JSON %s: want exactly the keys %v", raw, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("JSON %s: %s = %v, want %v", raw, k, got[k], v)
		}
	}
}

func TestOverlaps(t *testing.T) {
	t.Parallel()
	at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, time.UTC) }
	span := func(h1, m1, h2, m2 int) domain.SlotSpec { return domain.SlotSpec{Start: at(h1, m1), End: at(h2, m2)} }
	tests := []struct {
		name string
		a, b domain.SlotSpec
		want bool
	}{
		{"same", span(9, 0, 9, 30), span(9, 0, 9, 30), true},
		{"touching", span(9, 0, 9, 30), span(9, 30, 10, 0), false},
		{"partial", span(9, 0, 9, 30), span(9, 15, 9, 45), true},
		{"inside", span(9, 0, 12, 0), span(10, 0, 10, 15), true},
		{"apart", span(9, 0, 9, 30), span(11, 0, 11, 30), false},
	}
	for _, tt := range tests {
		if got := domain.Overlaps(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: Overlaps(a, b) = %v, want %v", tt.name, got, tt.want)
		}
		if got := domain.Overlaps(tt.b, tt.a); got != tt.want {
			t.Errorf("%s: Overlaps(b, a) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidateSlotSpecs(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	at := func(day, h, m int) time.Time { return time.Date(2026, 12, day, h, m, 0, 0, time.UTC) }
	spec := func(svc string, day, h, m, minutes, capacity int) domain.SlotSpec {
		return domain.SlotSpec{ServiceID: svc, Start: at(day, h, m), End: at(day, h, m).Add(time.Duration(minutes) * time.Minute), Capacity: capacity}
	}
	known := func(id string) bool { return id == "svc-a" || id == "svc-b" }

	tests := []struct {
		name  string
		specs []domain.SlotSpec
		known func(string) bool
		want  []string
	}{
		{name: "valid", specs: []domain.SlotSpec{spec("svc-a", 1, 9, 0, 30, 2), spec("svc-a", 1, 9, 30, 30, 2), spec("svc-b", 1, 9, 0, 30, 50)}, known: known},
		{name: "nil lookup skips service check", specs: []domain.SlotSpec{spec("svc-z", 1, 9, 0, 30, 1)}},
		{name: "empty", specs: nil, want: []string{"slots=required"}},
		{name: "end equals start", specs: []domain.SlotSpec{spec("svc-a", 1, 9, 0, 0, 1)}, known: known, want: []string{"slots[0].end=end_before_start"}},
		{name: "end before start", specs: []domain.SlotSpec{spec("svc-a", 1, 9, 0, -30, 1)}, known: known, want: []string{"slots[0].end=end_before_start"}},
		{name: "capacity zero", specs: []domain.SlotSpec{spec("svc-a", 1, 9, 0, 30, 0)}, known: known, want: []string{"slots[0].capacity=out_of_range"}},
		{name: "capacity 51", specs: []domain.SlotSpec{spec("svc-a", 1, 9, 0, 30, 51)}, known: known, want: []string{"slots[0].capacity=out_of_range"}},
		{name: "unknown service", specs: []domain.SlotSpec{spec("svc-x", 1, 9, 0, 30, 1)}, known: known, want: []string{"slots[0].serviceId=unknown_service"}},
		{name: "missing service", specs: []domain.SlotSpec{spec("", 1, 9, 0, 30, 1)}, known: known, want: []string{"slots[0].serviceId=required"}},
		{
			name:  "in the past",
			specs: []domain.SlotSpec{{ServiceID: "svc-a", Start: now.Add(-time.Minute), End: now.Add(29 * time.Minute), Capacity: 1}},
			known: known, want: []string{"slots[0].start=in_past"},
		},
		{
			name:  "starting now is fine",
			specs: []domain.SlotSpec{{ServiceID: "svc-a", Start: now, End: now.Add(30 * time.Minute), Capacity: 1}},
			known: known,
		},
		{
			name:  "not a whole minute",
			specs: []domain.SlotSpec{{ServiceID: "svc-a", Start: at(1, 9, 0).Add(30 * time.Second), End: at(1, 9, 30), Capacity: 1}},
			known: known, want: []string{"slots[0].start=not_whole_minute"},
		},
		{name: "twelve hours is fine", specs: []domain.SlotSpec{spec("svc-a", 1, 8, 0, 12*60, 1)}, known: known},
		{name: "over twelve hours", specs: []domain.SlotSpec{spec("svc-a", 1, 8, 0, 12*60+1, 1)}, known: known, want: []string{"slots[0].end=too_long"}},
		{name: "missing times", specs: []domain.SlotSpec{{ServiceID: "svc-a", Capacity: 1}}, known: known, want: []string{"slots[0].start=required", "slots[0].end=required"}},
		{
			name:  "overlap same service",
			specs: []domain.SlotSpec{spec("svc-a", 1, 9, 15, 30, 1), spec("svc-a", 1, 9, 0, 30, 1)},
			known: known, want: []string{"slots[0].start=overlap"},
		},
		{
			name:  "duplicate slot",
			specs: []domain.SlotSpec{spec("svc-a", 1, 9, 0, 30, 1), spec("svc-a", 1, 9, 0, 30, 1)},
			known: known, want: []string{"slots[1].start=overlap"},
		},
		{
			name:  "overlap across a long slot",
			specs: []domain.SlotSpec{spec("svc-a", 1, 9, 0, 180, 1), spec("svc-a", 1, 10, 0, 30, 1), spec("svc-a", 1, 11, 0, 30, 1), spec("svc-a", 1, 12, 0, 30, 1)},
			known: known, want: []string{"slots[1].start=overlap", "slots[2].start=overlap"},
		},
		{
			name:  "same time other service",
			specs: []domain.SlotSpec{spec("svc-a", 1, 9, 0, 30, 1), spec("svc-b", 1, 9, 0, 30, 1)},
			known: known,
		},
		{
			name:  "all at once in order",
			specs: []domain.SlotSpec{spec("svc-a", 1, 9, 0, 30, 1), spec("svc-x", 1, 10, 0, -5, 0)},
			known: known,
			want:  []string{"slots[1].serviceId=unknown_service", "slots[1].end=end_before_start", "slots[1].capacity=out_of_range"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := slotFieldCodes(t, domain.ValidateSlotSpecs(tt.specs, now, tt.known))
			if !slices.Equal(got, tt.want) {
				t.Errorf("errors = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDayRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone, from, to string
		start, end     string // RFC 3339 in UTC
		want           []string
	}{
		{zone: "Europe/Moscow", from: "2026-12-01", to: "2026-12-01", start: "2026-11-30T21:00:00Z", end: "2026-12-01T21:00:00Z"},
		{zone: "Asia/Kamchatka", from: "2026-12-01", to: "2026-12-07", start: "2026-11-30T12:00:00Z", end: "2026-12-07T12:00:00Z"},
		{zone: "Europe/Kaliningrad", from: "2026-12-31", to: "2027-01-01", start: "2026-12-30T22:00:00Z", end: "2027-01-01T22:00:00Z"},
		{zone: "Asia/Vladivostok", from: "2026-01-01", to: "2026-03-03", start: "2025-12-31T14:00:00Z", end: "2026-03-03T14:00:00Z"}, // 62 days
		{zone: "America/New_York", from: "2026-03-08", to: "2026-03-08", start: "2026-03-08T05:00:00Z", end: "2026-03-09T04:00:00Z"},
		{zone: "Europe/Moscow", from: "2026-01-01", to: "2026-03-04", want: []string{"to=range_too_long"}}, // 63 days
		{zone: "Europe/Moscow", from: "2026-12-02", to: "2026-12-01", want: []string{"to=before_from"}},
		{zone: "Europe/Moscow", from: "2026-12-1", to: "2026-12-01", want: []string{"from=invalid_format"}},
		{zone: "Europe/Moscow", from: "2026-02-30", to: "tomorrow", want: []string{"from=invalid_format", "to=invalid_format"}},
		{zone: "Europe/Moscow", from: "", to: "", want: []string{"from=required", "to=required"}},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.from+" "+tt.to, func(t *testing.T) {
			t.Parallel()
			start, end, err := domain.DayRange(mustLoadLocation(t, tt.zone), tt.from, tt.to)
			if got := slotFieldCodes(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("errors = %v, want %v", got, tt.want)
			}
			if err != nil {
				return
			}
			if got := start.Format(time.RFC3339); got != tt.start || start.Location() != time.UTC {
				t.Errorf("start = %s, want %s", got, tt.start)
			}
			if got := end.Format(time.RFC3339); got != tt.end || end.Location() != time.UTC {
				t.Errorf("end = %s, want %s", got, tt.end)
			}
		})
	}
}

func TestLocalDate(t *testing.T) {
	t.Parallel()
	instant := time.Date(2026, 12, 31, 13, 30, 0, 0, time.UTC)
	tests := map[string]string{
		"Europe/Kaliningrad": "2026-12-31",
		"Europe/Moscow":      "2026-12-31",
		"Asia/Vladivostok":   "2026-12-31",
		"Asia/Kamchatka":     "2027-01-01",
	}
	for zone, want := range tests {
		if got := domain.LocalDate(instant, mustLoadLocation(t, zone)); got != want {
			t.Errorf("LocalDate in %s = %s, want %s", zone, got, want)
		}
	}
}
