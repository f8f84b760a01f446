package seed

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/zapis/zapis/shared/domain"
)

// kindCategories says which services an office of each kind may offer.
var kindCategories = map[domain.InstitutionKind][]domain.Category{
	domain.KindClinic:  {domain.CategoryHealth},
	domain.KindMFC:     {domain.CategoryDocuments, domain.CategoryTaxes, domain.CategorySocial, domain.CategoryTransport},
	domain.KindGIBDD:   {domain.CategoryTransport},
	domain.KindTax:     {domain.CategoryTaxes},
	domain.KindPension: {domain.CategorySocial},
}

func mustLoad(t *testing.T) Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func russian(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

func TestLoadCounts(t *testing.T) {
	t.Parallel()
	c := mustLoad(t)
	perCategory := map[domain.Category]int{}
	noDocuments := 0
	for _, s := range c.Services {
		perCategory[s.Category]++
		if len(s.RequiredDocuments) == 0 {
			noDocuments++
		}
	}
	regions, zones := map[string]bool{}, map[string]bool{}
	for _, in := range c.Institutions {
		regions[in.Region] = true
		zones[in.Timezone] = true
	}
	t.Logf("%d services, %d institutions, %d regions, %d zones, %d schedules",
		len(c.Services), len(c.Institutions), len(regions), len(zones), len(c.Schedules))

	checks := []struct {
		what     string
		got, min int
	}{
		{"services", len(c.Services), 12},
		{"categories", len(perCategory), 5},
		{"institutions", len(c.Institutions), 8},
		{"regions", len(regions), 3},
		{"time zones", len(zones), 2},
		{"services without documents", noDocuments, 1},
		{"schedules", len(c.Schedules), len(c.Institutions)},
	}
	for _, ch := range checks {
		if ch.got < ch.min {
			t.Errorf("%s: %d, want at least %d", ch.what, ch.got, ch.min)
		}
	}
	for _, cat := range domain.Categories {
		if perCategory[cat] < 2 {
			t.Errorf("category %s has %d services, want at least 2", cat, perCategory[cat])
		}
	}
}

func TestServicesSane(t *testing.T) {
	t.Parallel()
	slug := regexp.MustCompile(`^[a-z][a-z0-9_]+$`)
	for _, s := range mustLoad(t).Services {
		if !strings.HasPrefix(s.ID, "svc-") {
			t.Errorf("%s: id should start with svc-", s.ID)
		}
		if !russian(s.Name) || !russian(s.Department) || !russian(s.Description) {
			t.Errorf("%s: name, department and description must be Russian text", s.ID)
		}
		if !s.Category.Valid() {
			t.Errorf("%s: category %q", s.ID, s.Category)
		}
		if s.DurationMinutes < 10 || s.DurationMinutes > 60 {
			t.Errorf("%s: durationMinutes %d, want 10..60", s.ID, s.DurationMinutes)
		}
		if s.CancelBeforeHours < 1 {
			t.Errorf("%s: cancelBeforeHours %d", s.ID, s.CancelBeforeHours)
		}
		for _, d := range s.RequiredDocuments {
			if !slug.MatchString(d.Type) || !russian(d.Name) {
				t.Errorf("%s: document %+v", s.ID, d)
			}
		}
	}
}

func TestInstitutionsSane(t *testing.T) {
	t.Parallel()
	c := mustLoad(t)
	phone := regexp.MustCompile(`^\+7\d{10}$`)
	for _, in := range c.Institutions {
		if !strings.HasPrefix(in.ID, "inst-") {
			t.Errorf("%s: id should start with inst-", in.ID)
		}
		if !russian(in.Name) || !russian(in.Region) || !russian(in.Locality) || !russian(in.Address) {
			t.Errorf("%s: name, region, locality and address must be Russian text", in.ID)
		}
		if !in.Kind.Valid() {
			t.Errorf("%s: kind %q", in.ID, in.Kind)
		}
		if _, err := in.Location(); err != nil {
			t.Errorf("%s: %v", in.ID, err)
		}
		if !phone.MatchString(in.Phone) || !strings.Contains(in.Email, "@") {
			t.Errorf("%s: phone %q, email %q", in.ID, in.Phone, in.Email)
		}
		if len(in.WorkHours) == 0 || len(in.ServiceIDs) == 0 {
			t.Errorf("%s: no work hours or no services", in.ID)
		}
		for _, id := range in.ServiceIDs {
			s, ok := c.Service(id)
			if !ok {
				t.Errorf("%s: unknown service %s", in.ID, id)
				continue
			}
			if !slices.Contains(kindCategories[in.Kind], s.Category) {
				t.Errorf("%s (%s) offers %s (%s)", in.ID, in.Kind, id, s.Category)
			}
			if !slices.ContainsFunc(c.Schedules, func(p InstitutionSchedule) bool {
				return p.InstitutionID == in.ID && p.ServiceID == id
			}) {
				t.Errorf("%s: no schedule for %s", in.ID, id)
			}
		}
	}
}

// Every interval of a plan lies within the institution's work hours.
func TestSchedulesWithinWorkHours(t *testing.T) {
	t.Parallel()
	c := mustLoad(t)
	for _, p := range c.Schedules {
		in, ok := c.Institution(p.InstitutionID)
		if !ok {
			t.Fatalf("schedule for unknown %s", p.InstitutionID)
		}
		if p.Capacity < 2 || p.Capacity > 6 || p.SlotMinutes < 15 || p.SlotMinutes > 30 {
			t.Errorf("%s/%s: capacity %d, slotMinutes %d", p.InstitutionID, p.ServiceID, p.Capacity, p.SlotMinutes)
		}
		for day, ivs := range p.Weekly {
			for _, iv := range ivs {
				// "HH:MM" strings compare in time order.
				if !slices.ContainsFunc(in.WorkHours[day], func(w domain.Interval) bool {
					return w.From <= iv.From && iv.To <= w.To
				}) {
					t.Errorf("%s/%s: %s %s–%s is outside work hours %v", p.InstitutionID, p.ServiceID, day, iv.From, iv.To, in.WorkHours[day])
				}
			}
		}
	}
}

func TestSlots(t *testing.T) {
	t.Parallel()
	c := mustLoad(t)
	nows := map[string]time.Time{
		// 13:07 UTC is already tomorrow in Kamchatka and still morning in Kaliningrad.
		"fixed":        time.Date(2026, 12, 1, 13, 7, 30, 0, time.UTC),
		"new year eve": time.Date(2026, 12, 30, 20, 0, 0, 0, time.UTC),
		"now":          time.Now(),
	}
	for name, now := range nows {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const days = 14
			slots, err := c.Slots(now, days)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d slots", len(slots))
			ids := map[string]bool{}
			byInstitution := map[string][]domain.SlotSpec{}
			for _, s := range slots {
				in, _ := c.Institution(s.InstitutionID)
				loc, err := in.Location()
				if err != nil {
					t.Fatal(err)
				}
				if !s.Start.After(now) {
					t.Fatalf("%s: slot at %s is not after now %s", s.InstitutionID, s.Start, now)
				}
				first := domain.LocalDate(now, loc)
				local := now.In(loc)
				last := time.Date(local.Year(), local.Month(), local.Day()+days-1, 12, 0, 0, 0, loc).Format(time.DateOnly)
				if d := domain.LocalDate(s.Start, loc); d < first || d > last {
					t.Errorf("%s: slot on %s, outside %s..%s", s.InstitutionID, d, first, last)
				}
				slot := s.Slot()
				if ids[slot.ID] {
					t.Errorf("duplicate slot id %s", slot.ID)
				}
				ids[slot.ID] = true
				byInstitution[s.InstitutionID] = append(byInstitution[s.InstitutionID], s.SlotSpec)
			}
			for _, in := range c.Institutions {
				specs := byInstitution[in.ID]
				if len(specs) == 0 {
					t.Errorf("%s: no slots in the next %d days", in.ID, days)
					continue
				}
				// The operator's own rules: no overlaps per service, sane
				// capacity and length, nothing in the past, known services.
				if err := domain.ValidateSlotSpecs(specs, now, in.Offers); err != nil {
					t.Errorf("%s: %v", in.ID, err)
				}
			}

			// Locations are loaded afresh each run, so compare stored slots.
			again, err := c.Slots(now, days)
			if err != nil || !slices.EqualFunc(again, slots, func(a, b SeedSlot) bool { return a.Slot() == b.Slot() }) {
				t.Errorf("a second run differs (err %v)", err)
			}
		})
	}
}

func TestSlotsDays(t *testing.T) {
	t.Parallel()
	c := mustLoad(t)
	for _, days := range []int{0, -1, domain.MaxDateRangeDays + 1} {
		if _, err := c.Slots(time.Now(), days); err == nil {
			t.Errorf("Slots(now, %d): no error", days)
		}
	}
	if _, err := c.Slots(time.Now(), 1); err != nil {
		t.Errorf("Slots(now, 1): %v", err)
	}
}

func TestLoadReturnsCopies(t *testing.T) {
	t.Parallel()
	a := mustLoad(t)
	a.Services[0].Name = "changed"
	a.Schedules[0].Weekly["mon"][0].From = "00:00"
	b := mustLoad(t)
	if b.Services[0].Name == "changed" || b.Schedules[0].Weekly["mon"][0].From == "00:00" {
		t.Error("Load shares state between calls")
	}
}
