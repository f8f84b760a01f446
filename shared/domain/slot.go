package domain

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Limits on slots and date ranges (API.md).
const (
	MinSlotCapacity  = 1
	MaxSlotCapacity  = 50
	MaxSlotDuration  = 12 * time.Hour
	MaxDateRangeDays = 62
)

// civilDateLayout is the API's date format: a calendar date in the institution's zone.
const civilDateLayout = "2006-01-02"

// Slot is a bookable time at an institution for one service, with Capacity
// seats (windows), Booked of them taken.
type Slot struct {
	ID            string    `json:"id"`
	InstitutionID string    `json:"-"`
	ServiceID     string    `json:"serviceId,omitempty"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Capacity      int       `json:"capacity"`
	Booked        int       `json:"-"`
}

// Free returns the number of seats still available.
func (s Slot) Free() int {
	return max(s.Capacity-s.Booked, 0)
}

// MarshalJSON writes the API view of a slot: clients see the seats left as
// "free", never the booked count.
func (s Slot) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID        string    `json:"id"`
		ServiceID string    `json:"serviceId,omitempty"`
		Start     time.Time `json:"start"`
		End       time.Time `json:"end"`
		Capacity  int       `json:"capacity"`
		Free      int       `json:"free"`
	}{s.ID, s.ServiceID, s.Start, s.End, s.Capacity, s.Free()})
}

// NewSlotID returns the id of the slot of serviceID at institutionID that
// starts at start. The id is deterministic, so generating the same slot twice
// writes the same key (idempotent), and URL-safe; clients treat it as opaque.
// Institution and service ids are slugs and never contain '|'.
func NewSlotID(institutionID, serviceID string, start time.Time) string {
	raw := institutionID + "|" + serviceID + "|" + strconv.FormatInt(start.Unix(), 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseSlotID reverses NewSlotID for slots on whole minutes (all slots are);
// start is in UTC. A malformed id names no slot, so the error wraps
// ErrNotFound (404 in the API).
func ParseSlotID(id string) (institutionID, serviceID string, start time.Time, err error) {
	bad := fmt.Errorf("malformed slot id: %w", ErrNotFound)
	raw, decErr := base64.RawURLEncoding.DecodeString(id)
	if decErr != nil {
		return "", "", time.Time{}, bad
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", "", time.Time{}, bad
	}
	sec, convErr := strconv.ParseInt(parts[2], 10, 64)
	// Slots start on whole minutes and are keyed by the minute, so an id
	// with seconds must not resolve to the slot of its minute.
	if convErr != nil || sec%60 != 0 {
		return "", "", time.Time{}, bad
	}
	start = time.Unix(sec, 0).UTC()
	// Only the canonical spelling is accepted ("+5" or "05" would name the
	// same slot under a second id).
	if NewSlotID(parts[0], parts[1], start) != id {
		return "", "", time.Time{}, bad
	}
	return parts[0], parts[1], start, nil
}

// SlotSpec describes a slot to create: the body of POST
// /institutions/{id}/slots and the output of Schedule.Generate.
type SlotSpec struct {
	ServiceID string    `json:"serviceId"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Capacity  int       `json:"capacity"`
}

// Slot returns the empty slot the spec describes at institutionID.
func (s SlotSpec) Slot(institutionID string) Slot {
	return Slot{
		ID:            NewSlotID(institutionID, s.ServiceID, s.Start),
		InstitutionID: institutionID,
		ServiceID:     s.ServiceID,
		Start:         s.Start.UTC(),
		End:           s.End.UTC(),
		Capacity:      s.Capacity,
	}
}

// Overlaps reports whether the half-open intervals [Start, End) of a and b
// intersect. It compares times only; callers decide whether the services
// must match.
func Overlaps(a, b SlotSpec) bool {
	return a.Start.Before(b.End) && b.Start.Before(a.End)
}

// ValidateSlotSpecs checks slots an operator creates by hand, reporting every
// problem with paths such as "slots[2].end". serviceKnown reports whether a
// service id exists (and is offered by the institution); nil skips that check.
func ValidateSlotSpecs(specs []SlotSpec, now time.Time, serviceKnown func(serviceID string) bool) error {
	var p Problems
	if len(specs) == 0 {
		p.Add("slots", codeRequired, "Укажите хотя бы один слот")
		return p.Err()
	}
	overlapping := overlappingSpecs(specs)
	for i, s := range specs {
		path := fmt.Sprintf("slots[%d]", i)
		switch {
		case s.ServiceID == "":
			p.Add(path+".serviceId", codeRequired, "Укажите услугу")
		case serviceKnown != nil && !serviceKnown(s.ServiceID):
			p.Add(path+".serviceId", "unknown_service", "Услуга не найдена или не оказывается в этом учреждении")
		}
		switch {
		case s.Start.IsZero():
			p.Add(path+".start", codeRequired, "Укажите время начала")
		case !s.Start.Equal(s.Start.Truncate(time.Minute)):
			p.Add(path+".start", "not_whole_minute", "Время начала должно быть кратно минуте")
		case s.Start.Before(now):
			p.Add(path+".start", "in_past", "Время начала уже прошло")
		case overlapping[i]:
			p.Add(path+".start", "overlap", "Слот пересекается с другим слотом этой услуги")
		}
		switch {
		case s.End.IsZero():
			p.Add(path+".end", codeRequired, "Укажите время окончания")
		case s.Start.IsZero():
			// Nothing to compare the end with.
		case !s.End.After(s.Start):
			p.Add(path+".end", "end_before_start", "Окончание должно быть позже начала")
		case s.End.Sub(s.Start) > MaxSlotDuration:
			p.Add(path+".end", codeTooLong, "Слот не может длиться дольше 12 часов")
		case !s.End.Equal(s.End.Truncate(time.Minute)):
			p.Add(path+".end", "not_whole_minute", "Время окончания должно быть кратно минуте")
		}
		if s.Capacity < MinSlotCapacity || s.Capacity > MaxSlotCapacity {
			p.Add(path+".capacity", codeOutOfRange, fmt.Sprintf("Число мест должно быть от %d до %d", MinSlotCapacity, MaxSlotCapacity))
		}
	}
	return p.Err()
}

// overlappingSpecs marks every spec that overlaps an earlier-starting spec of
// the same service. Specs without a positive duration are left to the other
// checks.
func overlappingSpecs(specs []SlotSpec) map[int]bool {
	byService := map[string][]int{}
	for i, s := range specs {
		if s.Start.IsZero() || !s.End.After(s.Start) {
			continue
		}
		byService[s.ServiceID] = append(byService[s.ServiceID], i)
	}
	marked := map[int]bool{}
	for _, idx := range byService {
		sort.SliceStable(idx, func(a, b int) bool { return specs[idx[a]].Start.Before(specs[idx[b]].Start) })
		var maxEnd time.Time
		for k, i := range idx {
			if k > 0 && specs[i].Start.Before(maxEnd) {
				marked[i] = true
			}
			if specs[i].End.After(maxEnd) {
				maxEnd = specs[i].End
			}
		}
	}
	return marked
}

// DayRange turns the inclusive local dates from and to ("YYYY-MM-DD" in loc)
// into the instants [local midnight of from, local midnight after to). Errors
// are validation errors on the fields "from" and "to".
func DayRange(loc *time.Location, from, to string) (startUTC, endUTC time.Time, err error) {
	f, t, err := parseCivilRange(from, to)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	start := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc)
	end := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	return start.UTC(), end.UTC(), nil
}

// LocalDate returns the calendar date of t in loc, "YYYY-MM-DD".
func LocalDate(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(civilDateLayout)
}

// parseCivilRange parses an inclusive range of civil dates (returned as UTC
// midnights) and enforces to >= from and the 62-day limit.
func parseCivilRange(from, to string) (time.Time, time.Time, error) {
	var p Problems
	f, okFrom := parseCivilDate(from)
	t, okTo := parseCivilDate(to)
	if !okFrom {
		addCivilDateProblem(&p, "from", from)
	}
	if !okTo {
		addCivilDateProblem(&p, "to", to)
	}
	if okFrom && okTo {
		days := int(t.Sub(f).Hours()/24) + 1
		switch {
		case t.Before(f):
			p.Add("to", "before_from", "Дата окончания раньше даты начала")
		case days > MaxDateRangeDays:
			p.Add("to", "range_too_long", fmt.Sprintf("Диапазон не может превышать %d дня", MaxDateRangeDays))
		}
	}
	if err := p.Err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return f, t, nil
}

func addCivilDateProblem(p *Problems, field, value string) {
	if value == "" {
		p.Add(field, codeRequired, "Укажите дату")
		return
	}
	p.Add(field, codeInvalidFormat, "Дата должна быть в формате ГГГГ-ММ-ДД")
}

// parseCivilDate parses "YYYY-MM-DD" strictly and returns that date's
// midnight in UTC, which makes day arithmetic free of DST.
func parseCivilDate(s string) (time.Time, bool) {
	if len(s) != len(civilDateLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(civilDateLayout, s)
	return t, err == nil
}
