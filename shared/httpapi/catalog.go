package httpapi

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/zapis/zapis/shared/domain"
)

// maxIDLength keeps absurd ids away from DynamoDB's key limits: they are
// simply not found.
const maxIDLength = 100

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{2,62}$`)

// newID returns prefix plus 10 random lower-case base32 characters.
func newID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:10]
}

func catalogCache(w http.ResponseWriter) {
	// Catalog reads are public and change rarely; a minute of caching takes
	// load off on opening day without confusing an admin for long.
	w.Header().Set("Cache-Control", "public, max-age=60")
}

// ListServices serves GET /services?q=&category=&region=.
func ListServices(a *App) http.Handler {
	return a.serve("ListServices", func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		pg, err := parsePage(q)
		if err != nil {
			return err
		}
		category := domain.Category(q.Get("category"))
		if category != "" && !category.Valid() {
			return domain.Invalid("category", "invalid_value", "Неизвестная категория услуг")
		}
		services, err := a.Store.ListServices(r.Context())
		if err != nil {
			return err
		}
		var inRegion map[string]bool
		if region := q.Get("region"); region != "" {
			insts, err := a.Store.ListInstitutions(r.Context())
			if err != nil {
				return err
			}
			inRegion = map[string]bool{}
			for _, in := range insts {
				if sameName(in.Region, region) {
					for _, id := range in.ServiceIDs {
						inRegion[id] = true
					}
				}
			}
		}
		query := domain.ParseQuery(q.Get("q"))
		found := make([]domain.Service, 0, len(services))
		for _, s := range services {
			if category != "" && s.Category != category {
				continue
			}
			if inRegion != nil && !inRegion[s.ID] {
				continue
			}
			if !domain.NewSearchText(s.Name, s.Description, s.Department).Match(query) {
				continue
			}
			found = append(found, s)
		}
		key := func(s domain.Service) string { return domain.Fold(s.Name) + "\x00" + s.ID }
		slices.SortFunc(found, func(x, y domain.Service) int { return strings.Compare(key(x), key(y)) })
		catalogCache(w)
		return writeJSON(w, http.StatusOK, paginate(found, key, pg))
	})
}

// sameName compares region and locality names ignoring case and ё/е.
func sameName(a, b string) bool { return domain.Fold(a) == domain.Fold(b) }

// GetService serves GET /services/{id}.
func GetService(a *App) http.Handler {
	return a.serve("GetService", func(w http.ResponseWriter, r *http.Request) error {
		id := PathParam(r, "id")
		if id == "" || len(id) > maxIDLength {
			return fmt.Errorf("service %q: %w", id, domain.ErrNotFound)
		}
		s, err := a.Store.GetService(r.Context(), id)
		if err != nil {
			return err
		}
		catalogCache(w)
		return writeJSON(w, http.StatusOK, s)
	})
}

// ListInstitutions serves GET /institutions?serviceId=&region=&locality=.
func ListInstitutions(a *App) http.Handler {
	return a.serve("ListInstitutions", func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		pg, err := parsePage(q)
		if err != nil {
			return err
		}
		insts, err := a.Store.ListInstitutions(r.Context())
		if err != nil {
			return err
		}
		serviceID, region, locality := q.Get("serviceId"), q.Get("region"), q.Get("locality")
		found := make([]domain.Institution, 0, len(insts))
		for _, in := range insts {
			if serviceID != "" && !in.Offers(serviceID) {
				continue
			}
			if region != "" && !sameName(in.Region, region) {
				continue
			}
			if locality != "" && !sameName(in.Locality, locality) {
				continue
			}
			found = append(found, in)
		}
		key := func(in domain.Institution) string { return domain.Fold(in.Name) + "\x00" + in.ID }
		slices.SortFunc(found, func(x, y domain.Institution) int { return strings.Compare(key(x), key(y)) })
		catalogCache(w)
		return writeJSON(w, http.StatusOK, paginate(found, key, pg))
	})
}

// GetInstitution serves GET /institutions/{id}.
func GetInstitution(a *App) http.Handler {
	return a.serve("GetInstitution", func(w http.ResponseWriter, r *http.Request) error {
		id := PathParam(r, "id")
		if id == "" || len(id) > maxIDLength {
			return fmt.Errorf("institution %q: %w", id, domain.ErrNotFound)
		}
		in, err := a.Store.GetInstitution(r.Context(), id)
		if err != nil {
			return err
		}
		catalogCache(w)
		return writeJSON(w, http.StatusOK, in)
	})
}

// checkNewID validates a client-chosen id, or makes one.
func checkNewID(id, prefix string) (string, error) {
	if id == "" {
		return newID(prefix), nil
	}
	if !idPattern.MatchString(id) {
		return "", domain.Invalid("id", "invalid_format", "Идентификатор: латинские строчные буквы, цифры и дефис, от 3 до 63 символов")
	}
	return id, nil
}

// CreateService serves POST /services (admin).
func CreateService(a *App) http.Handler {
	return a.serve("CreateService", func(w http.ResponseWriter, r *http.Request) error {
		if _, err := requireGroup(r, GroupAdmin); err != nil {
			return err
		}
		var in domain.Service
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		var p domain.Problems
		id, err := checkNewID(in.ID, "svc-")
		p.AddAll("", err)
		svc, err := in.Normalize()
		p.AddAll("", err)
		if err := p.Err(); err != nil {
			return err
		}
		svc.ID = id
		if err := a.Store.CreateService(r.Context(), svc); err != nil {
			return err
		}
		w.Header().Set("Location", "/services/"+svc.ID)
		return writeJSON(w, http.StatusCreated, svc)
	})
}

// CreateInstitution serves POST /institutions (admin).
func CreateInstitution(a *App) http.Handler {
	return a.serve("CreateInstitution", func(w http.ResponseWriter, r *http.Request) error {
		if _, err := requireGroup(r, GroupAdmin); err != nil {
			return err
		}
		var in domain.Institution
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		var p domain.Problems
		id, err := checkNewID(in.ID, "inst-")
		p.AddAll("", err)
		inst, err := in.Normalize()
		p.AddAll("", err)
		if len(inst.ServiceIDs) > 0 {
			services, err := a.Store.ListServices(r.Context())
			if err != nil {
				return err
			}
			known := make(map[string]bool, len(services))
			for _, s := range services {
				known[s.ID] = true
			}
			for i, sid := range inst.ServiceIDs {
				if !known[sid] {
					p.Add(fmt.Sprintf("serviceIds[%d]", i), "unknown_service", "Такой услуги нет в каталоге")
				}
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		inst.ID = id
		if err := a.Store.CreateInstitution(r.Context(), inst); err != nil {
			return err
		}
		w.Header().Set("Location", "/institutions/"+inst.ID)
		return writeJSON(w, http.StatusCreated, inst)
	})
}
