package httpapi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/store"
)

// Limits and defaults of the schedule and free-time endpoints.
const (
	// maxSlotsPerRequest is what one TransactWriteItems can hold, so a
	// request is written all or nothing.
	maxSlotsPerRequest = store.MaxSlotsPerWrite
	// defaultSlotDays is the range GET .../slots shows without ?to=.
	defaultSlotDays = 14
	// alternativesWanted is how many later free dates a full range offers.
	alternativesWanted = 3
	// maxClosedDates keeps a schedule item far below DynamoDB's 400 KB.
	maxClosedDates = 1000
	// generateWorkers bounds the parallel conditional puts of a generation.
	generateWorkers = 8
	// maxSkippedReported bounds the list of skipped slots in a generation
	// report; the count is always complete.
	maxSkippedReported = 50
	// overlapLookback is how long before a slot an existing slot may start
	// and still overlap it: no slot is longer (manual slots are capped at
	// 12 h, planned ones at 8 h plus a DST hour).
	overlapLookback = domain.MaxSlotDuration
)

// Day statuses of GET /institutions/{id}/slots.
const (
	dayFree        = "free"        // some slot has a free seat
	dayBusy        = "busy"        // bookable slots exist, all full
	dayUnavailable = "unavailable" // no bookable slot: closed, weekend or past
)

type slotView struct {
	ID       string    `json:"id"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
	Free     int       `json:"free"`
}

type dayView struct {
	Date   string     `json:"date"`
	Status string     `json:"status"`
	Slots  []slotView `json:"slots"`
}

type alternative struct {
	Date string `json:"date"`
	Free int    `json:"free"`
}

type freeTimes struct {
	Days         []dayView     `json:"days"`
	Alternatives []alternative `json:"alternatives"`
}

// localSlot shows a slot's times in the institution's zone: clients display
// the local time of the office, not their own.
func localSlot(sl domain.Slot, loc *time.Location) domain.Slot {
	sl.Start, sl.End = sl.Start.In(loc), sl.End.In(loc)
	return sl
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// pathInstitution loads the institution of the path and its time zone.
func (a *App) pathInstitution(r *http.Request) (domain.Institution, *time.Location, error) {
	id := PathParam(r, "id")
	if id == "" || len(id) > maxIDLength {
		return domain.Institution{}, nil, fmt.Errorf("institution %q: %w", id, domain.ErrNotFound)
	}
	in, err := a.Store.GetInstitution(r.Context(), id)
	if err != nil {
		return domain.Institution{}, nil, err
	}
	loc, err := in.Location()
	if err != nil {
		// Stored institutions were validated: this is broken data, a 500.
		return domain.Institution{}, nil, fmt.Errorf("institution %s: time zone: %w", id, err)
	}
	return in, loc, nil
}

// offeredServices returns those of ids that exist in the catalog and that
// in offers, by id.
func (a *App) offeredServices(ctx context.Context, in domain.Institution, ids []string) (map[string]domain.Service, error) {
	out := map[string]domain.Service{}
	for _, id := range ids {
		if _, done := out[id]; done || id == "" || !in.Offers(id) {
			continue
		}
		svc, err := a.Store.GetService(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = svc
	}
	return out, nil
}

// addCivilDays returns the date n days after the "YYYY-MM-DD" date d, or ""
// when d is malformed.
func addCivilDays(d string, n int) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil || len(d) != len(time.DateOnly) {
		return ""
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// ListSlots serves GET /institutions/{id}/slots?serviceId=&from=&to=: the
// free times of one service, day by day, in the institution's zone.
func ListSlots(a *App) http.Handler {
	return a.serve("ListSlots", func(w http.ResponseWriter, r *http.Request) error {
		in, loc, err := a.pathInstitution(r)
		if err != nil {
			return err
		}
		now := a.Now()
		q := r.URL.Query()
		serviceID, from, to := q.Get("serviceId"), q.Get("from"), q.Get("to")
		var p domain.Problems
		if serviceID == "" {
			p.Add("serviceId", "required", "Укажите услугу")
		}
		today := domain.LocalDate(now, loc)
		if from == "" {
			from = today
		}
		if to == "" {
			// A malformed from is reported on its own, not as a bad to.
			if to = addCivilDays(from, defaultSlotDays-1); to == "" {
				to = addCivilDays(today, defaultSlotDays-1)
			}
			if to > "9999-12-31" || len(to) != len("2006-01-02") {
				to = "9999-12-31" // the calendar's end, not an error on a field the client never sent
			}
		}
		start, end, err := domain.DayRange(loc, from, to)
		p.AddAll("", err)
		if err := p.Err(); err != nil {
			return err
		}
		if !in.Offers(serviceID) {
			return withDetail(fmt.Errorf("service %q at %s: %w", serviceID, in.ID, domain.ErrNotFound),
				"the institution does not offer this service")
		}

		// Past slots are never shown, so the read starts at now.
		slots, err := a.Store.ListSlots(r.Context(), in.ID, serviceID, later(start, now), end)
		if err != nil {
			return err
		}
		byDate := map[string][]slotView{}
		anyFree := false
		for _, sl := range slots {
			// A slot that has begun can no longer be booked.
			if !sl.Start.After(now) {
				continue
			}
			d := domain.LocalDate(sl.Start, loc)
			byDate[d] = append(byDate[d], slotView{ID: sl.ID, Start: sl.Start.In(loc), End: sl.End.In(loc), Capacity: sl.Capacity, Free: sl.Free()})
			anyFree = anyFree || sl.Free() > 0
		}
		out := freeTimes{Days: []dayView{}, Alternatives: []alternative{}}
		// DayRange accepted both dates.
		first, _ := time.Parse(time.DateOnly, from)
		last, _ := time.Parse(time.DateOnly, to)
		for dt := first; !dt.After(last); dt = dt.AddDate(0, 0, 1) {
			d := dt.Format(time.DateOnly)
			day := dayView{Date: d, Status: dayUnavailable, Slots: byDate[d]}
			if day.Slots == nil {
				day.Slots = []slotView{}
			}
			if len(day.Slots) > 0 {
				day.Status = dayBusy
				if slices.ContainsFunc(day.Slots, func(s slotView) bool { return s.Free > 0 }) {
					day.Status = dayFree
				}
			}
			out.Days = append(out.Days, day)
		}
		if !anyFree {
			if out.Alternatives, err = a.alternatives(r.Context(), in.ID, serviceID, later(end, now), now, loc); err != nil {
				return err
			}
		}
		// Seats change every second: no cache may answer for us.
		w.Header().Set("Cache-Control", "no-store")
		return writeJSON(w, http.StatusOK, out)
	})
}

// alternatives finds the first dates with free seats among the slots that
// start in the 62 days after `after`, with their free seats in total. The
// read stops once the last wanted date is complete.
func (a *App) alternatives(ctx context.Context, institutionID, serviceID string, after, now time.Time, loc *time.Location) ([]alternative, error) {
	out := []alternative{}
	limit := after.AddDate(0, 0, domain.MaxDateRangeDays)
	for sl, err := range a.Store.FreeSlots(ctx, institutionID, serviceID, after, limit) {
		if err != nil {
			return nil, err
		}
		if !sl.Start.After(now) {
			continue
		}
		d := domain.LocalDate(sl.Start, loc)
		if n := len(out); n > 0 && out[n-1].Date == d {
			out[n-1].Free += sl.Free()
			continue
		}
		if len(out) == alternativesWanted {
			break
		}
		out = append(out, alternative{Date: d, Free: sl.Free()})
	}
	return out, nil
}

// slotInput is a slot as sent by the operator. Times are strings so that a
// malformed one is reported on its field.
type slotInput struct {
	ServiceID string `json:"serviceId"`
	Start     string `json:"start"`
	End       string `json:"end"`
	Capacity  int    `json:"capacity"`
}

type createSlotsRequest struct {
	Slots []slotInput `json:"slots"`
}

// parseInstant reads an RFC 3339 instant with an offset; "" is left to the
// domain's required check.
func parseInstant(p *domain.Problems, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		p.Add(field, "invalid_format", "Время должно быть в формате RFC 3339 со смещением, например 2026-12-01T09:00:00+03:00")
		return time.Time{}
	}
	return t
}

// CreateSlots serves POST /institutions/{id}/slots: operators add slots by
// hand, all of them or none.
//
// Every rule is checked before anything is written: the domain's rules
// (times, capacity, overlaps within the request), the service (offered here,
// not longer than the slot) and overlaps with the service's existing slots
// (a strongly consistent read around the requested span). The slots are then
// written in one transaction, each on condition that its key is free. If a
// concurrent request created one of them in between, the transaction is
// cancelled, nothing is written, and the answer is 409 `conflict`: the
// request was valid when checked, and sending it again gets the precise
// field errors.
func CreateSlots(a *App) http.Handler {
	return a.serve("CreateSlots", func(w http.ResponseWriter, r *http.Request) error {
		if _, err := requireInstitutionStaff(r, PathParam(r, "id")); err != nil {
			return err
		}
		in, loc, err := a.pathInstitution(r)
		if err != nil {
			return err
		}
		var req createSlotsRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		if len(req.Slots) > maxSlotsPerRequest {
			return domain.Invalid("slots", "too_many", fmt.Sprintf("Не больше %d слотов в одном запросе", maxSlotsPerRequest))
		}
		now := a.Now()

		var p domain.Problems
		specs := make([]domain.SlotSpec, len(req.Slots))
		ids := make([]string, len(req.Slots))
		for i, s := range req.Slots {
			path := fmt.Sprintf("slots[%d]", i)
			specs[i] = domain.SlotSpec{
				ServiceID: strings.TrimSpace(s.ServiceID),
				Start:     parseInstant(&p, path+".start", s.Start),
				End:       parseInstant(&p, path+".end", s.End),
				Capacity:  s.Capacity,
			}
			ids[i] = specs[i].ServiceID
		}
		services, err := a.offeredServices(r.Context(), in, ids)
		if err != nil {
			return err
		}
		known := func(id string) bool { _, ok := services[id]; return ok }
		var ve *domain.ValidationError
		if errors.As(domain.ValidateSlotSpecs(specs, now, known), &ve) {
			for _, f := range ve.Fields {
				// A malformed time was reported as such, not as missing.
				if !p.Has(f.Field) {
					p.Add(f.Field, f.Code, f.Message)
				}
			}
		}
		for i, s := range specs {
			end := fmt.Sprintf("slots[%d].end", i)
			svc, ok := services[s.ServiceID]
			if !ok || p.Has(end) || p.Has(fmt.Sprintf("slots[%d].start", i)) {
				continue
			}
			if s.End.Sub(s.Start) < time.Duration(svc.DurationMinutes)*time.Minute {
				p.Add(end, "shorter_than_service", fmt.Sprintf("Слот короче приёма по услуге (%d мин)", svc.DurationMinutes))
			}
		}
		if err := p.Err(); err != nil {
			return err
		}

		clashes, err := a.existingOverlaps(r.Context(), in.ID, specs)
		if err != nil {
			return err
		}
		// Errors in request order, whatever the map's.
		for _, i := range slices.Sorted(maps.Keys(clashes)) {
			ls := localSlot(clashes[i], loc)
			p.Add(fmt.Sprintf("slots[%d].start", i), "overlap",
				fmt.Sprintf("Слот пересекается с существующим слотом этой услуги %s–%s", ls.Start.Format("02.01.2006 15:04"), ls.End.Format("15:04")))
		}
		if err := p.Err(); err != nil {
			return err
		}

		slots := make([]domain.Slot, len(specs))
		for i, s := range specs {
			slots[i] = s.Slot(in.ID)
		}
		if err := a.Store.CreateSlots(r.Context(), slots); err != nil {
			var exist *store.SlotsExistError
			if errors.As(err, &exist) {
				return withDetail(err, fmt.Sprintf("slots[%d] was created by a concurrent request; nothing was written, send the request again", exist.Indexes[0]))
			}
			return err
		}
		items := make([]domain.Slot, len(slots))
		for i, sl := range slots {
			items[i] = localSlot(sl, loc)
		}
		return writeJSON(w, http.StatusCreated, listResponse[domain.Slot]{Items: items})
	})
}

// existingOverlaps finds, for each spec, a stored slot of the same service
// that overlaps it, keyed by the spec's index. Specs close to each other
// share one Query; distant ones (a slot in June and one in December) get
// their own, so the read stays near what was asked.
func (a *App) existingOverlaps(ctx context.Context, institutionID string, specs []domain.SlotSpec) (map[int]domain.Slot, error) {
	byService := map[string][]int{}
	for i, s := range specs {
		byService[s.ServiceID] = append(byService[s.ServiceID], i)
	}
	out := map[int]domain.Slot{}
	for serviceID, idx := range byService {
		sort.Slice(idx, func(x, y int) bool { return specs[idx[x]].Start.Before(specs[idx[y]].Start) })
		for len(idx) > 0 {
			// One window: specs whose lookback spans touch.
			from, to, n := specs[idx[0]].Start.Add(-overlapLookback), specs[idx[0]].End, 1
			for ; n < len(idx) && specs[idx[n]].Start.Add(-overlapLookback).Before(to); n++ {
				to = later(to, specs[idx[n]].End)
			}
			existing, err := a.Store.ListSlotsConsistent(ctx, institutionID, serviceID, from, to)
			if err != nil {
				return nil, err
			}
			for _, i := range idx[:n] {
				if sl, ok := overlapping(existing, specs[i]); ok {
					out[i] = sl
				}
			}
			idx = idx[n:]
		}
	}
	return out, nil
}

// overlapping returns a slot of existing (sorted by start) that overlaps s.
func overlapping(existing []domain.Slot, s domain.SlotSpec) (domain.Slot, bool) {
	// Only slots that start before s ends can overlap it, and none that
	// starts more than overlapLookback before s.
	i := sort.Search(len(existing), func(i int) bool { return !existing[i].Start.Before(s.End) })
	for j := i - 1; j >= 0 && existing[j].Start.After(s.Start.Add(-overlapLookback)); j-- {
		if existing[j].End.After(s.Start) {
			return existing[j], true
		}
	}
	return domain.Slot{}, false
}

// PutSchedule serves PUT /institutions/{id}/schedule: the working plan of
// one service, replaced as a whole.
func PutSchedule(a *App) http.Handler {
	return a.serve("PutSchedule", func(w http.ResponseWriter, r *http.Request) error {
		caller, err := requireInstitutionStaff(r, PathParam(r, "id"))
		if err != nil {
			return err
		}
		in, _, err := a.pathInstitution(r)
		if err != nil {
			return err
		}
		var body domain.Schedule
		if err := decodeJSON(r, &body); err != nil {
			return err
		}
		if len(body.ClosedDates) > maxClosedDates {
			return domain.Invalid("closedDates", "too_many", fmt.Sprintf("Не больше %d закрытых дат", maxClosedDates))
		}
		var p domain.Problems
		sch, err := body.Normalize()
		p.AddAll("", err)
		if id := strings.TrimSpace(body.ServiceID); id != "" {
			services, err := a.offeredServices(r.Context(), in, []string{id})
			if err != nil {
				return err
			}
			svc, ok := services[id]
			switch {
			case !ok:
				p.Add("serviceId", "unknown_service", "Услуга не найдена или не оказывается в этом учреждении")
			case !p.Has("slotMinutes") && body.SlotMinutes < svc.DurationMinutes:
				p.Add("slotMinutes", "shorter_than_service", fmt.Sprintf("Слот короче приёма по услуге (%d мин)", svc.DurationMinutes))
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		if err := a.Store.PutSchedule(r.Context(), in.ID, sch, caller.Sub, a.Now()); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, sch)
	})
}

type generateRequest struct {
	ServiceID string `json:"serviceId"`
	From      string `json:"from"`
	To        string `json:"to"`
}

type skippedSlot struct {
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	ConflictsWith string    `json:"conflictsWith"`
}

type generateReport struct {
	Created         int           `json:"created"`
	Existing        int           `json:"existing"`
	SkippedOverlaps int           `json:"skippedOverlaps"`
	Skipped         []skippedSlot `json:"skipped"`
}

// GenerateSlots serves POST /institutions/{id}/slots/generate: the stored
// working plan cut into slots for a range of local dates.
//
// It is idempotent: slot ids follow from institution, service and start,
// and each put is conditional, so a second run creates nothing and counts
// the slots as existing (booked seats are never reset). A planned slot that
// overlaps an existing slot with another start (one made by hand, or by an
// earlier plan) is skipped and reported, not forced and not fatal. Slots
// that would start in the past are not created.
func GenerateSlots(a *App) http.Handler {
	return a.serve("GenerateSlots", func(w http.ResponseWriter, r *http.Request) error {
		if _, err := requireInstitutionStaff(r, PathParam(r, "id")); err != nil {
			return err
		}
		in, loc, err := a.pathInstitution(r)
		if err != nil {
			return err
		}
		var req generateRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		var p domain.Problems
		serviceID := strings.TrimSpace(req.ServiceID)
		if serviceID == "" {
			p.Add("serviceId", "required", "Укажите услугу")
		}
		start, end, err := domain.DayRange(loc, req.From, req.To)
		p.AddAll("", err)
		if err := p.Err(); err != nil {
			return err
		}
		if !in.Offers(serviceID) {
			return domain.Invalid("serviceId", "unknown_service", "Услуга не найдена или не оказывается в этом учреждении")
		}
		sch, err := a.Store.GetSchedule(r.Context(), in.ID, serviceID)
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Invalid("serviceId", "no_schedule", "Для услуги не задан график работы: сначала сохраните его")
		}
		if err != nil {
			return err
		}
		planned, err := sch.Generate(loc, req.From, req.To)
		if err != nil {
			return err
		}
		now := a.Now()
		planned = slices.DeleteFunc(planned, func(s domain.SlotSpec) bool { return !s.Start.After(now) })

		report := generateReport{Skipped: []skippedSlot{}}
		if len(planned) == 0 {
			return writeJSON(w, http.StatusCreated, report)
		}
		maxEnd := end
		for _, s := range planned {
			maxEnd = later(maxEnd, s.End)
		}
		existing, err := a.Store.ListSlotsConsistent(r.Context(), in.ID, serviceID, start.Add(-overlapLookback), maxEnd)
		if err != nil {
			return err
		}
		taken := make(map[int64]bool, len(existing))
		for _, sl := range existing {
			taken[sl.Start.Unix()] = true
		}
		var todo []domain.Slot
		for _, s := range planned {
			if taken[s.Start.Unix()] {
				report.Existing++
				continue
			}
			if sl, ok := overlapping(existing, s); ok {
				report.SkippedOverlaps++
				if len(report.Skipped) < maxSkippedReported {
					report.Skipped = append(report.Skipped, skippedSlot{Start: s.Start.In(loc), End: s.End.In(loc), ConflictsWith: sl.ID})
				}
				continue
			}
			todo = append(todo, s.Slot(in.ID))
		}
		created, err := a.createEach(r.Context(), todo)
		if err != nil {
			return err
		}
		report.Created = created
		// A concurrent run may have written some of ours first.
		report.Existing += len(todo) - created
		return writeJSON(w, http.StatusCreated, report)
	})
}

// createEach writes slots with a few conditional puts in parallel and
// returns how many were new. On an error it stops early: what was written
// stays, and running the generation again completes it.
func (a *App) createEach(parent context.Context, slots []domain.Slot) (int, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		wg       sync.WaitGroup
		next     atomic.Int64
		created  atomic.Int64
		errOnce  sync.Once
		firstErr error
	)
	for range min(generateWorkers, len(slots)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(slots) || ctx.Err() != nil {
					return
				}
				ok, err := a.Store.CreateSlot(ctx, slots[i])
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				if ok {
					created.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if firstErr == nil && parent.Err() != nil {
		// The function ran out of time between two puts.
		firstErr = fmt.Errorf("generate slots: %w: %w", domain.ErrUnavailable, parent.Err())
	}
	return int(created.Load()), firstErr
}
