// Package seed holds the demo catalog the local runner loads: Russian public
// services, institutions in several regions and time zones, and their
// working plans. The data lives in catalog.json, embedded in the binary.
package seed

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/zapis/zapis/shared/domain"
)

//go:embed catalog.json
var catalogJSON []byte

// idRe is the shape of catalog ids: slugs, which also keeps '|' out of slot
// ids (domain.NewSlotID).
var idRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Catalog is the demo data set.
type Catalog struct {
	Services     []domain.Service      `json:"services"`
	Institutions []domain.Institution  `json:"institutions"`
	Schedules    []InstitutionSchedule `json:"schedules"`
}

// InstitutionSchedule is a working plan for one service at one institution.
type InstitutionSchedule struct {
	InstitutionID string `json:"institutionId"`
	domain.Schedule
}

// SeedSlot is a generated slot with the institution it belongs to.
type SeedSlot struct {
	InstitutionID string
	domain.SlotSpec
}

// Slot returns the empty slot to store, with its deterministic id.
func (s SeedSlot) Slot() domain.Slot { return s.SlotSpec.Slot(s.InstitutionID) }

// Load parses the embedded catalog and checks it: every record passes the
// domain's own validation, ids are unique, institutions offer only known
// services, and every schedule belongs to an institution offering its
// service. Each call returns a fresh copy.
func Load() (Catalog, error) {
	var c Catalog
	dec := json.NewDecoder(bytes.NewReader(catalogJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Catalog{}, fmt.Errorf("seed: parse catalog.json: %w", err)
	}
	if err := c.normalize(); err != nil {
		return Catalog{}, fmt.Errorf("seed: invalid catalog: %w", err)
	}
	return c, nil
}

// normalize validates the catalog in place, replacing each record with its
// normalized form, and reports every problem found.
func (c *Catalog) normalize() error {
	var errs []error
	services := map[string]domain.Service{}
	for i, s := range c.Services {
		n, err := s.Normalize()
		if err != nil {
			errs = append(errs, fmt.Errorf("service %q: %w", s.ID, err))
			continue
		}
		if !idRe.MatchString(s.ID) || services[s.ID].ID != "" {
			errs = append(errs, fmt.Errorf("service %q: id is not a slug or is a duplicate", s.ID))
		}
		c.Services[i] = n
		services[s.ID] = n
	}

	institutions := map[string]domain.Institution{}
	for i, in := range c.Institutions {
		n, err := in.Normalize()
		if err != nil {
			errs = append(errs, fmt.Errorf("institution %q: %w", in.ID, err))
			continue
		}
		if !idRe.MatchString(in.ID) || institutions[in.ID].ID != "" {
			errs = append(errs, fmt.Errorf("institution %q: id is not a slug or is a duplicate", in.ID))
		}
		for _, id := range n.ServiceIDs {
			if _, ok := services[id]; !ok {
				errs = append(errs, fmt.Errorf("institution %q: unknown service %q", in.ID, id))
			}
		}
		c.Institutions[i] = n
		institutions[in.ID] = n
	}

	planned := map[[2]string]bool{}
	for i, s := range c.Schedules {
		name := s.InstitutionID + "/" + s.ServiceID
		n, err := s.Schedule.Normalize()
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %s: %w", name, err))
			continue
		}
		in, ok := institutions[s.InstitutionID]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("schedule %s: unknown institution", name))
		case !in.Offers(n.ServiceID):
			errs = append(errs, fmt.Errorf("schedule %s: the institution does not offer the service", name))
		case n.SlotMinutes < services[n.ServiceID].DurationMinutes:
			errs = append(errs, fmt.Errorf("schedule %s: %d-minute slots are shorter than the service", name, n.SlotMinutes))
		}
		key := [2]string{s.InstitutionID, n.ServiceID}
		if planned[key] {
			errs = append(errs, fmt.Errorf("schedule %s: duplicate", name))
		}
		planned[key] = true
		c.Schedules[i].Schedule = n
	}
	return errors.Join(errs...)
}

// Service returns the service with id.
func (c Catalog) Service(id string) (domain.Service, bool) {
	for _, s := range c.Services {
		if s.ID == id {
			return s, true
		}
	}
	return domain.Service{}, false
}

// Institution returns the institution with id.
func (c Catalog) Institution(id string) (domain.Institution, bool) {
	for _, in := range c.Institutions {
		if in.ID == id {
			return in, true
		}
	}
	return domain.Institution{}, false
}

// Slots generates the slots of every schedule for `days` local days starting
// with the institution's own "today" (so Kamchatka may already be a day
// ahead of Kaliningrad), keeping only those that start after now. The result
// is ordered by schedule, then start; generating again for the same now gives
// the same slot ids.
func (c Catalog) Slots(now time.Time, days int) ([]SeedSlot, error) {
	if days < 1 || days > domain.MaxDateRangeDays {
		return nil, fmt.Errorf("seed: days must be 1..%d, got %d", domain.MaxDateRangeDays, days)
	}
	var out []SeedSlot
	for _, s := range c.Schedules {
		in, ok := c.Institution(s.InstitutionID)
		if !ok {
			return nil, fmt.Errorf("seed: schedule for unknown institution %q", s.InstitutionID)
		}
		loc, err := in.Location()
		if err != nil {
			return nil, fmt.Errorf("seed: institution %q: %w", in.ID, err)
		}
		local := now.In(loc)
		// Noon keeps the date arithmetic clear of any DST edge at midnight.
		last := time.Date(local.Year(), local.Month(), local.Day()+days-1, 12, 0, 0, 0, loc)
		specs, err := s.Generate(loc, domain.LocalDate(now, loc), domain.LocalDate(last, loc))
		if err != nil {
			return nil, fmt.Errorf("seed: schedule %s/%s: %w", s.InstitutionID, s.ServiceID, err)
		}
		for _, spec := range specs {
			if spec.Start.After(now) {
				out = append(out, SeedSlot{InstitutionID: s.InstitutionID, SlotSpec: spec})
			}
		}
	}
	return out, nil
}
