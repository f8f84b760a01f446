package domain

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Limits on a working plan.
const (
	MinSlotMinutes = 5
	MaxSlotMinutes = 480
)

// Schedule is an operator's working plan for one service at an institution
// (PUT /institutions/{id}/schedule): which local hours of each weekday are
// cut into slots of SlotMinutes with Capacity seats, and which dates are
// closed. Times and dates are local to the institution's zone.
type Schedule struct {
	ServiceID   string   `json:"serviceId"`
	SlotMinutes int      `json:"slotMinutes"`
	Capacity    int      `json:"capacity"`
	Weekly      Weekly   `json:"weekly"`
	ClosedDates []string `json:"closedDates"`
}

// Normalize checks the plan and returns its canonical form: intervals sorted
// within each day, days without intervals dropped, closed dates deduplicated
// and sorted, empty collections non-nil. All problems are reported at once
// with JSON paths ("weekly.mon[1].from", "closedDates[0]") that index the
// input as given.
func (s Schedule) Normalize() (Schedule, error) {
	var p Problems
	out := Schedule{
		ServiceID:   strings.TrimSpace(s.ServiceID),
		SlotMinutes: s.SlotMinutes,
		Capacity:    s.Capacity,
		Weekly:      Weekly{},
		ClosedDates: []string{},
	}
	if out.ServiceID == "" {
		p.Add("serviceId", codeRequired, "Укажите услугу")
	}
	slotOK := s.SlotMinutes >= MinSlotMinutes && s.SlotMinutes <= MaxSlotMinutes
	if !slotOK {
		p.Add("slotMinutes", codeOutOfRange, fmt.Sprintf("Длительность слота должна быть от %d до %d минут", MinSlotMinutes, MaxSlotMinutes))
	}
	if s.Capacity < MinSlotCapacity || s.Capacity > MaxSlotCapacity {
		p.Add("capacity", codeOutOfRange, fmt.Sprintf("Число мест должно быть от %d до %d", MinSlotCapacity, MaxSlotCapacity))
	}

	// Unknown keys are reported after the known ones, sorted, so the order
	// of errors does not depend on map iteration.
	var unknown []string
	for key := range s.Weekly {
		if !slices.Contains(WeekdayKeys, key) {
			unknown = append(unknown, key)
		}
	}
	sort.Strings(unknown)
	for _, key := range WeekdayKeys {
		if ivs := normalizeDay(&p, "weekly."+key, s.Weekly[key], s.SlotMinutes, slotOK); len(ivs) > 0 {
			out.Weekly[key] = ivs
		}
	}
	for _, key := range unknown {
		field := "weekly." + key
		if key == "" {
			field = `weekly[""]`
		}
		p.Add(field, "unknown_weekday", "День недели должен быть одним из mon, tue, wed, thu, fri, sat, sun")
	}

	seen := map[string]bool{}
	for i, d := range s.ClosedDates {
		if _, ok := parseCivilDate(d); !ok {
			p.Add(fmt.Sprintf("closedDates[%d]", i), codeInvalidFormat, "Дата должна быть в формате ГГГГ-ММ-ДД")
			continue
		}
		if !seen[d] {
			seen[d] = true
			out.ClosedDates = append(out.ClosedDates, d)
		}
	}
	sort.Strings(out.ClosedDates)

	if err := p.Err(); err != nil {
		return Schedule{}, err
	}
	return out, nil
}

// normalizeDay checks one weekday's intervals and returns the valid ones
// sorted by start.
func normalizeDay(p *Problems, path string, ivs []Interval, slotMinutes int, slotOK bool) []Interval {
	type span struct {
		idx, from, to int
	}
	var spans []span
	for i, iv := range ivs {
		at := fmt.Sprintf("%s[%d]", path, i)
		from, okFrom := clockMinutes(iv.From)
		to, okTo := clockMinutes(iv.To)
		if !okFrom {
			p.Add(at+".from", "invalid_time", "Время должно быть в формате ЧЧ:ММ от 00:00 до 24:00")
		}
		if !okTo {
			p.Add(at+".to", "invalid_time", "Время должно быть в формате ЧЧ:ММ от 00:00 до 24:00")
		}
		if !okFrom || !okTo {
			continue
		}
		if to <= from {
			p.Add(at+".to", "end_before_start", "Окончание должно быть позже начала")
			continue
		}
		if slotOK && to-from < slotMinutes {
			p.Add(at+".to", "shorter_than_slot", "Интервал короче одного слота")
			continue
		}
		spans = append(spans, span{i, from, to})
	}
	sort.SliceStable(spans, func(a, b int) bool { return spans[a].from < spans[b].from })
	out := make([]Interval, 0, len(spans))
	prevTo := -1
	for _, sp := range spans {
		// Half-open: 09:00–13:00 and 13:00–18:00 touch but do not overlap.
		if sp.from < prevTo {
			p.Add(fmt.Sprintf("%s[%d].from", path, sp.idx), "overlap", "Интервал пересекается с другим интервалом этого дня")
			continue
		}
		prevTo = sp.to
		out = append(out, ivs[sp.idx])
	}
	return out
}

// Generate cuts the plan into slots for every local date in [fromDate,
// toDate] (at most 62 days) that is not closed, sorted by start, with times
// in loc. Slots do not depend on the current time: callers drop past ones.
//
// Slot boundaries are local wall-clock times, so DST is handled as people
// expect it:
//   - a slot whose local start does not exist (the clocks jump over it) is
//     skipped; a slot whose end falls into such a gap ends at the jump;
//   - a local time that occurs twice (clocks turned back) maps to its first
//     occurrence, so each slot keeps its wall-clock times, none is
//     duplicated, and the slot that spans the turn lasts longer in real time.
func (s Schedule) Generate(loc *time.Location, fromDate, toDate string) ([]SlotSpec, error) {
	if loc == nil {
		return nil, errors.New("domain: Schedule.Generate needs a location")
	}
	n, err := s.Normalize()
	if err != nil {
		return nil, err
	}
	from, to, err := parseCivilRange(fromDate, toDate)
	if err != nil {
		return nil, err
	}
	closed := map[string]bool{}
	for _, d := range n.ClosedDates {
		closed[d] = true
	}
	var out []SlotSpec
	for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
		if closed[day.Format(civilDateLayout)] {
			continue
		}
		for _, iv := range n.Weekly[WeekdayKey(day.Weekday())] {
			first, _ := clockMinutes(iv.From)
			last, _ := clockMinutes(iv.To)
			for m := first; m+n.SlotMinutes <= last; m += n.SlotMinutes {
				start, ok := wallClockInstant(day, m, loc)
				if !ok {
					continue
				}
				end, _ := wallClockInstant(day, m+n.SlotMinutes, loc)
				out = append(out, SlotSpec{ServiceID: n.ServiceID, Start: start, End: end, Capacity: n.Capacity})
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Start.Before(out[b].Start) })
	return out, nil
}

// wallClockInstant returns the instant at which clocks in loc show the given
// minute of day (a civil date as a UTC midnight). When that local time does
// not exist it reports false and returns the instant of the jump over it.
// When it exists twice it returns the earlier instant: time.Date leaves that
// choice unspecified.
func wallClockInstant(day time.Time, minutes int, loc *time.Location) (time.Time, bool) {
	want := day.Add(time.Duration(minutes) * time.Minute)
	t := time.Date(want.Year(), want.Month(), want.Day(), want.Hour(), want.Minute(), 0, 0, loc)
	zoneStart, zoneEnd := t.ZoneBounds()
	if got := civilFields(t); !got.Equal(want) {
		// time.Date normalised a gap time into one of the zones bordering
		// it; the border is the jump.
		jump := zoneEnd
		if got.After(want) {
			jump = zoneStart
		}
		if jump.IsZero() {
			return t, false
		}
		return jump.In(loc), false
	}
	if !zoneStart.IsZero() {
		_, prevOffset := zoneStart.Add(-time.Second).Zone()
		earlier := want.Add(-time.Duration(prevOffset) * time.Second).In(loc)
		if earlier.Before(zoneStart) && civilFields(earlier).Equal(want) {
			return earlier, true
		}
	}
	return t, true
}

// civilFields returns t's wall-clock fields in its own zone, as a UTC time.
func civilFields(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}
