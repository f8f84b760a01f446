package runner

import (
	"context"
	"errors"
	"time"

	"github.com/zapis/zapis/infra/seed"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/store"
)

// SeedStats counts what Seed wrote.
type SeedStats struct {
	Services     int `json:"services"`
	Institutions int `json:"institutions"`
	Slots        int `json:"slots"`
	Schedules    int `json:"schedules"`
}

// Seed loads the demo catalog and `days` days of slots. It is idempotent:
// existing services, institutions and slots are kept as they are, so a
// restart against LocalStack does not reset booked seats.
func Seed(ctx context.Context, st *store.Store, now time.Time, days int) (SeedStats, error) {
	cat, err := seed.Load()
	if err != nil {
		return SeedStats{}, err
	}
	var stats SeedStats
	for _, s := range cat.Services {
		if err := st.CreateService(ctx, s); err != nil && !errors.Is(err, domain.ErrConflict) {
			return stats, err
		}
		stats.Services++
	}
	for _, in := range cat.Institutions {
		if err := st.CreateInstitution(ctx, in); err != nil && !errors.Is(err, domain.ErrConflict) {
			return stats, err
		}
		stats.Institutions++
	}
	slots, err := cat.Slots(now, days)
	if err != nil {
		return stats, err
	}
	all := make([]domain.Slot, 0, len(slots))
	for _, sl := range slots {
		all = append(all, sl.Slot())
	}
	if _, err := st.EnsureSlots(ctx, all); err != nil {
		return stats, err
	}
	for _, sch := range cat.Schedules {
		// An operator's own plan survives a restart.
		_, err := st.GetSchedule(ctx, sch.InstitutionID, sch.ServiceID)
		if err == nil {
			continue
		}
		if !errors.Is(err, domain.ErrNotFound) {
			return stats, err
		}
		if err := st.PutSchedule(ctx, sch.InstitutionID, sch.Schedule, "seed", now); err != nil {
			return stats, err
		}
	}
	stats.Schedules = len(cat.Schedules)
	stats.Slots = len(slots)
	return stats, nil
}
