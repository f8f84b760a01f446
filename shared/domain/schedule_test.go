package domain_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/zapis/zapis/shared/domain"
)

// officePlan is a typical plan: weekdays 09:00–13:00 and 14:00–18:00 in
// 30-minute slots (16 a day), nothing at the weekend.
func officePlan() domain.Schedule {
	day := []domain.Interval{{From: "14:00", To: "18:00"}, {From: "09:00", To: "13:00"}}
	return domain.Schedule{
		ServiceID:   "svc-passport",
		SlotMinutes: 30,
		Capacity:    3,
		Weekly:      domain.Weekly{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day},
	}
}

func TestScheduleNormalize(t *testing.T) {
	t.Parallel()
	got, err := domain.Schedule{
		ServiceID:   " svc-passport ",
		SlotMinutes: 30,
		Capacity:    2,
		Weekly: domain.Weekly{
			"mon": {{From: "14:00", To: "18:00"}, {From: "09:00", To: "13:00"}, {From: "13:00", To: "14:00"}},
			"sat": {{From: "10:00", To: "24:00"}},
			"sun": {},
		},
		ClosedDates: []string{"2027-01-07", "2026-12-31", "2027-01-07"},
	}.Normalize()
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	want := domain.Schedule{
		ServiceID:   "svc-passport",
		SlotMinutes: 30,
		Capacity:    2,
		Weekly: domain.Weekly{
			"mon": {{From: "09:00", To: "13:00"}, {From: "13:00", To: "14:00"}, {From: "14:00", To: "18:00"}},
			"sat": {{From: "10:00", To: "24:00"}},
		},
		ClosedDates: []string{"2026-12-31", "2027-01-07"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize = %+v\nwant        %+v", got, want)
	}

	empty, err := domain.Schedule{ServiceID: "svc", SlotMinutes: 15, Capacity: 1}.Normalize()
	if err != nil || empty.Weekly == nil || empty.ClosedDates == nil {
		t.Errorf("empty plan: %+v, %v; want non-nil collections", empty, err)
	}
}

func TestScheduleNormalizeErrors(t *testing.T) {
	t.Parallel()
	base := func(edit func(*domain.Schedule)) domain.Schedule {
		s := domain.Schedule{ServiceID: "svc", SlotMinutes: 30, Capacity: 2, Weekly: domain.Weekly{"mon": {{From: "09:00", To: "13:00"}}}}
		edit(&s)
		return s
	}
	day := func(ivs ...string) []domain.Interval {
		var out []domain.Interval
		for i := 0; i+1 < len(ivs); i += 2 {
			out = append(out, domain.Interval{From: ivs[i], To: ivs[i+1]})
		}
		return out
	}
	tests := []struct {
		name string
		s    domain.Schedule
		want []string
	}{
		{"no service", base(func(s *domain.Schedule) { s.ServiceID = "" }), []string{"serviceId=required"}},
		{"slot 4 min", base(func(s *domain.Schedule) { s.SlotMinutes = 4 }), []string{"slotMinutes=out_of_range"}},
		{"slot 481 min", base(func(s *domain.Schedule) { s.SlotMinutes = 481 }), []string{"slotMinutes=out_of_range"}},
		{"slot 480 min", base(func(s *domain.Schedule) { s.SlotMinutes = 480; s.Weekly["mon"] = day("08:00", "16:00") }), nil},
		{"slot 5 min", base(func(s *domain.Schedule) { s.SlotMinutes = 5 }), nil},
		{"capacity 0", base(func(s *domain.Schedule) { s.Capacity = 0 }), []string{"capacity=out_of_range"}},
		{"capacity 51", base(func(s *domain.Schedule) { s.Capacity = 51 }), []string{"capacity=out_of_range"}},
		{"unknown weekday", base(func(s *domain.Schedule) { s.Weekly["monday"] = day("09:00", "10:00") }), []string{"weekly.monday=unknown_weekday"}},
		{"bad times", base(func(s *domain.Schedule) {
			s.Weekly["tue"] = day("9:00", "13:00", "14:00", "24:01", "25:00", "26:00", "10:60", "11:00", "ab:cd", "12:00")
		}), []string{
			"weekly.tue[0].from=invalid_time", "weekly.tue[1].to=invalid_time", "weekly.tue[2].from=invalid_time",
			"weekly.tue[2].to=invalid_time", "weekly.tue[3].from=invalid_time", "weekly.tue[4].from=invalid_time",
		}},
		{"from after to", base(func(s *domain.Schedule) { s.Weekly["wed"] = day("13:00", "09:00") }), []string{"weekly.wed[0].to=end_before_start"}},
		{"from equals to", base(func(s *domain.Schedule) { s.Weekly["wed"] = day("09:00", "09:00") }), []string{"weekly.wed[0].to=end_before_start"}},
		{"shorter than a slot", base(func(s *domain.Schedule) { s.Weekly["wed"] = day("09:00", "09:29") }), []string{"weekly.wed[0].to=shorter_than_slot"}},
		{"overlap", base(func(s *domain.Schedule) { s.Weekly["mon"] = day("14:00", "18:00", "09:00", "13:00", "12:00", "15:00") }), []string{"weekly.mon[2].from=overlap"}},
		{"duplicate interval", base(func(s *domain.Schedule) { s.Weekly["fri"] = day("09:00", "13:00", "09:00", "13:00") }), []string{"weekly.fri[1].from=overlap"}},
		{"bad closed dates", base(func(s *domain.Schedule) { s.ClosedDates = []string{"2026-12-31", "31.12.2026", "2026-02-29", ""} }), []string{
			"closedDates[1]=invalid_format", "closedDates[2]=invalid_format", "closedDates[3]=invalid_format",
		}},
		{"all at once", domain.Schedule{Weekly: domain.Weekly{"xyz": nil, "sun": day("10:00", "09:00")}}, []string{
			"serviceId=required", "slotMinutes=out_of_range", "capacity=out_of_range", "weekly.sun[0].to=end_before_start", "weekly.xyz=unknown_weekday",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.s.Normalize()
			if got := slotFieldCodes(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("errors = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScheduleGenerateZones(t *testing.T) {
	t.Parallel()
	// 2026-11-23 is a Monday; the week has 5 working days of 16 slots.
	tests := []struct {
		zone      string
		firstUTC  string // Monday 09:00 local
		lastUTC   string // Friday 17:30 local
		wantSlots int
	}{
		{"Europe/Moscow", "2026-11-23T06:00:00Z", "2026-11-27T14:30:00Z", 80},
		{"Asia/Kamchatka", "2026-11-22T21:00:00Z", "2026-11-27T05:30:00Z", 80},
		{"Europe/Kaliningrad", "2026-11-23T07:00:00Z", "2026-11-27T15:30:00Z", 80},
		{"Asia/Vladivostok", "2026-11-22T23:00:00Z", "2026-11-27T07:30:00Z", 80},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			t.Parallel()
			loc := mustLoadLocation(t, tt.zone)
			plan := officePlan()
			specs, err := plan.Generate(loc, "2026-11-23", "2026-11-29")
			if err != nil {
				t.Fatal(err)
			}
			if len(specs) != tt.wantSlots {
				t.Fatalf("got %d slots, want %d", len(specs), tt.wantSlots)
			}
			if got := specs[0].Start.UTC().Format(time.RFC3339); got != tt.firstUTC {
				t.Errorf("first start %s, want %s", got, tt.firstUTC)
			}
			if got := specs[len(specs)-1].Start.UTC().Format(time.RFC3339); got != tt.lastUTC {
				t.Errorf("last start %s, want %s", got, tt.lastUTC)
			}
			perDay := map[string]int{}
			for i, s := range specs {
				local := s.Start.In(loc)
				perDay[domain.LocalDate(s.Start, loc)]++
				if s.End.Sub(s.Start) != 30*time.Minute || s.Capacity != 3 || s.ServiceID != "svc-passport" {
					t.Errorf("slot %d: %+v", i, s)
				}
				if h := local.Hour(); h < 9 || h == 13 || h >= 18 {
					t.Errorf("slot %d starts at %s local, outside the plan", i, local.Format("15:04"))
				}
				if i > 0 && !specs[i-1].End.After(specs[i-1].Start) || i > 0 && specs[i-1].End.After(s.Start) {
					t.Errorf("slots %d and %d are out of order or overlap", i-1, i)
				}
			}
			want := map[string]int{"2026-11-23": 16, "2026-11-24": 16, "2026-11-25": 16, "2026-11-26": 16, "2026-11-27": 16}
			if !reflect.DeepEqual(perDay, want) {
				t.Errorf("slots per local day = %v, want %v", perDay, want)
			}
		})
	}
}

func TestScheduleGenerateDays(t *testing.T) {
	t.Parallel()
	loc := mustLoadLocation(t, "Europe/Moscow")
	withSaturday := officePlan()
	withSaturday.Weekly["sat"] = []domain.Interval{{From: "10:00", To: "14:00"}}
	closed := officePlan()
	closed.ClosedDates = []string{"2026-11-25", "2026-11-24", "2026-11-25", "2026-12-01"}
	tests := []struct {
		name     string
		plan     domain.Schedule
		from, to string
		want     int
	}{
		{"weekend without intervals", officePlan(), "2026-11-28", "2026-11-29", 0},
		{"one weekday", officePlan(), "2026-11-23", "2026-11-23", 16},
		{"saturday interval", withSaturday, "2026-11-23", "2026-11-29", 80 + 8},
		{"closed dates skipped", closed, "2026-11-23", "2026-11-29", 48},
		{"62 days", officePlan(), "2026-12-01", "2027-01-31", 16 * 44},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			specs, err := tt.plan.Generate(loc, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if len(specs) != tt.want {
				t.Errorf("got %d slots, want %d", len(specs), tt.want)
			}
			for _, s := range specs {
				if d := domain.LocalDate(s.Start, loc); slices.Contains(tt.plan.ClosedDates, d) {
					t.Errorf("slot on closed date %s", d)
				}
			}
		})
	}
}

func TestScheduleGenerateErrors(t *testing.T) {
	t.Parallel()
	loc := mustLoadLocation(t, "Europe/Moscow")
	tests := []struct {
		name     string
		plan     domain.Schedule
		from, to string
		want     []string
	}{
		{"63 days", officePlan(), "2026-12-01", "2027-02-01", []string{"to=range_too_long"}},
		{"to before from", officePlan(), "2026-12-02", "2026-12-01", []string{"to=before_from"}},
		{"bad date", officePlan(), "2026-13-01", "2026-12-01", []string{"from=invalid_format"}},
		{"invalid plan", domain.Schedule{ServiceID: "svc", SlotMinutes: 30}, "2026-12-01", "2026-12-01", []string{"capacity=out_of_range"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			specs, err := tt.plan.Generate(loc, tt.from, tt.to)
			if got := slotFieldCodes(t, err); !slices.Equal(got, tt.want) || specs != nil {
				t.Errorf("errors = %v (%d slots), want %v", got, len(specs), tt.want)
			}
		})
	}
	if _, err := officePlan().Generate(nil, "2026-12-01", "2026-12-01"); err == nil || errors.Is(err, domain.ErrValidation) {
		t.Errorf("nil location: err = %v, want a programming error", err)
	}
}

// TestScheduleGenerateDST cuts 01:00–05:00 into 30-minute slots on days when
// the clocks change. Wall-clock times are kept: a local time that does not
// exist is skipped, one that occurs twice is used once, at its first occurrence.
func TestScheduleGenerateDST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, zone, date string
		// starts and ends of every slot, UTC "15:04"
		starts, ends []string
		localStarts  []string
	}{
		{
			name: "Moscow 2010 autumn, 03:00 MSD -> 02:00 MSK", zone: "Europe/Moscow", date: "2010-10-31",
			starts:      []string{"21:00", "21:30", "22:00", "22:30", "00:00", "00:30", "01:00", "01:30"},
			ends:        []string{"21:30", "22:00", "22:30", "00:00", "00:30", "01:00", "01:30", "02:00"},
			localStarts: []string{"01:00", "01:30", "02:00", "02:30", "03:00", "03:30", "04:00", "04:30"},
		},
		{
			name: "Moscow 2010 spring, 02:00 MSK -> 03:00 MSD", zone: "Europe/Moscow", date: "2010-03-28",
			starts:      []string{"22:00", "22:30", "23:00", "23:30", "00:00", "00:30"},
			ends:        []string{"22:30", "23:00", "23:30", "00:00", "00:30", "01:00"},
			localStarts: []string{"01:00", "01:30", "03:00", "03:30", "04:00", "04:30"},
		},
		{
			name: "New York 2026 spring", zone: "America/New_York", date: "2026-03-08",
			starts:      []string{"06:00", "06:30", "07:00", "07:30", "08:00", "08:30"},
			ends:        []string{"06:30", "07:00", "07:30", "08:00", "08:30", "09:00"},
			localStarts: []string{"01:00", "01:30", "03:00", "03:30", "04:00", "04:30"},
		},
		{
			name: "New York 2026 autumn", zone: "America/New_York", date: "2026-11-01",
			starts:      []string{"05:00", "05:30", "07:00", "07:30", "08:00", "08:30", "09:00", "09:30"},
			ends:        []string{"05:30", "07:00", "07:30", "08:00", "08:30", "09:00", "09:30", "10:00"},
			localStarts: []string{"01:00", "01:30", "02:00", "02:30", "03:00", "03:30", "04:00", "04:30"},
		},
		{
			name: "Moscow today, no DST", zone: "Europe/Moscow", date: "2026-10-25",
			starts:      []string{"22:00", "22:30", "23:00", "23:30", "00:00", "00:30", "01:00", "01:30"},
			ends:        []string{"22:30", "23:00", "23:30", "00:00", "00:30", "01:00", "01:30", "02:00"},
			localStarts: []string{"01:00", "01:30", "02:00", "02:30", "03:00", "03:30", "04:00", "04:30"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoadLocation(t, tt.zone)
			plan := domain.Schedule{
				ServiceID: "svc", SlotMinutes: 30, Capacity: 1,
				Weekly: domain.Weekly{"sun": {{From: "01:00", To: "05:00"}}},
			}
			specs, err := plan.Generate(loc, tt.date, tt.date)
			if err != nil {
				t.Fatal(err)
			}
			var starts, ends, local []string
			seen := map[string]bool{}
			for i, s := range specs {
				starts = append(starts, s.Start.UTC().Format("15:04"))
				ends = append(ends, s.End.UTC().Format("15:04"))
				local = append(local, s.Start.In(loc).Format("15:04"))
				if d := domain.LocalDate(s.Start, loc); d != tt.date {
					t.Errorf("slot %d on %s", i, d)
				}
				id := domain.NewSlotID("inst", s.ServiceID, s.Start)
				if seen[id] {
					t.Errorf("slot %d duplicated", i)
				}
				seen[id] = true
				if !s.End.After(s.Start) || i > 0 && specs[i-1].End.After(s.Start) {
					t.Errorf("slot %d (%s–%s) overlaps or is empty", i, s.Start, s.End)
				}
			}
			if !slices.Equal(starts, tt.starts) || !slices.Equal(ends, tt.ends) || !slices.Equal(local, tt.localStarts) {
				t.Errorf("UTC starts %v\nwant       %v\nUTC ends   %v\nwant       %v\nlocal      %v\nwant       %v",
					starts, tt.starts, ends, tt.ends, local, tt.localStarts)
			}
		})
	}
}

func TestScheduleGenerateIdempotent(t *testing.T) {
	t.Parallel()
	loc := mustLoadLocation(t, "Asia/Vladivostok")
	ids := func() []string {
		specs, err := officePlan().Generate(loc, "2026-12-01", "2026-12-14")
		if err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(specs))
		for i, s := range specs {
			out[i] = s.Slot("inst-mfc-vvo").ID
		}
		return out
	}
	first, second := ids(), ids()
	if len(first) == 0 || !slices.Equal(first, second) {
		t.Fatalf("ids differ between runs: %d vs %d", len(first), len(second))
	}
	unique := map[string]bool{}
	for _, id := range first {
		unique[id] = true
	}
	if len(unique) != len(first) {
		t.Errorf("%d ids, %d unique", len(first), len(unique))
	}
	// An overlapping range yields the same ids for the shared days.
	specs, err := officePlan().Generate(loc, "2026-12-10", "2026-12-20")
	if err != nil {
		t.Fatal(err)
	}
	shared := 0
	for _, s := range specs {
		if unique[s.Slot("inst-mfc-vvo").ID] {
			shared++
		}
	}
	if want := 3 * 16; shared != want { // Dec 10, 11 and 14; 12–13 is a weekend
		t.Errorf("overlapping range shares %d ids, want %d", shared, want)
	}
}
