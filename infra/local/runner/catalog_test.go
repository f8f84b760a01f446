package runner

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/zapis/zapis/shared/domain"
)

type serviceList struct {
	Items     []domain.Service `json:"items"`
	NextToken string           `json:"nextToken"`
}

type institutionList struct {
	Items     []domain.Institution `json:"items"`
	NextToken string               `json:"nextToken"`
}

func listServices(t *testing.T, s stack, query string) []domain.Service {
	t.Helper()
	var all []domain.Service
	token := ""
	for {
		q, _ := url.ParseQuery(query)
		q.Set("limit", "200")
		if token != "" {
			q.Set("nextToken", token)
		}
		r := call(t, s, http.MethodGet, "/services?"+q.Encode(), "", nil)
		r.ok(t, http.StatusOK)
		var page serviceList
		r.decode(t, &page)
		all = append(all, page.Items...)
		if page.NextToken == "" {
			return all
		}
		token = page.NextToken
	}
}

func names(svcs []domain.Service) []string {
	out := make([]string, 0, len(svcs))
	for _, s := range svcs {
		out = append(out, s.Name)
	}
	return out
}

func TestSeededCatalogIsRealistic(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		svcs := listServices(t, s, "")
		cats := map[domain.Category]bool{}
		for _, sv := range svcs {
			cats[sv.Category] = true
			if sv.CancelBeforeHours <= 0 || sv.DurationMinutes <= 0 || sv.RequiredDocuments == nil {
				t.Errorf("service %s incomplete: %+v", sv.ID, sv)
			}
		}
		if len(svcs) < 12 || len(cats) < 5 {
			t.Fatalf("%d services in %d categories, want ≥12 in ≥5", len(svcs), len(cats))
		}
		r := call(t, s, http.MethodGet, "/institutions?limit=200", "", nil)
		r.ok(t, http.StatusOK)
		var insts institutionList
		r.decode(t, &insts)
		regions, zones := map[string]bool{}, map[string]bool{}
		for _, in := range insts.Items {
			regions[in.Region] = true
			zones[in.Timezone] = true
		}
		if len(insts.Items) < 8 || len(regions) < 3 || len(zones) < 2 {
			t.Fatalf("%d institutions, %d regions, %d zones", len(insts.Items), len(regions), len(zones))
		}
	})
}

func TestServiceSearch(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		all := listServices(t, s, "")
		tests := []struct {
			query   string
			mustHit string // a substring of some result's name, "" for none expected
			none    bool
		}{
			{"q=паспорт", "паспорт", false},
			{"q=ПАСПОРТА", "паспорт", false},
			{"q=пасп", "паспорт", false},
			{"q=прием", "", false},
			{"q=приём", "", false},
			{"q=водительского+удостоверения", "удостоверени", false},
			{"q=бегемот", "", true},
		}
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				got := listServices(t, s, tt.query)
				if tt.none {
					if len(got) != 0 {
						t.Fatalf("%s found %v", tt.query, names(got))
					}
					return
				}
				if len(got) == 0 || len(got) >= len(all) {
					t.Fatalf("%s found %d of %d: %v", tt.query, len(got), len(all), names(got))
				}
				if tt.mustHit != "" && !slices.ContainsFunc(got, func(sv domain.Service) bool {
					return strings.Contains(strings.ToLower(sv.Name), tt.mustHit)
				}) {
					t.Fatalf("%s: no name with %q in %v", tt.query, tt.mustHit, names(got))
				}
			})
		}
		// ё and е fold: both spellings find the same services.
		a, b := listServices(t, s, "q=приём"), listServices(t, s, "q=прием")
		if fmt.Sprint(names(a)) != fmt.Sprint(names(b)) {
			t.Fatalf("приём %v != прием %v", names(a), names(b))
		}
	})
}

func TestServiceFilters(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		for _, c := range domain.Categories {
			got := listServices(t, s, "category="+string(c))
			if len(got) == 0 {
				t.Fatalf("no services in %s", c)
			}
			for _, sv := range got {
				if sv.Category != c {
					t.Fatalf("category=%s returned %s (%s)", c, sv.ID, sv.Category)
				}
			}
		}
		call(t, s, http.MethodGet, "/services?category=magic", "", nil).problem(t, 400, "validation_failed")
		call(t, s, http.MethodGet, "/services?limit=500", "", nil).problem(t, 400, "validation_failed")

		// region: only services some institution of that region offers.
		r := call(t, s, http.MethodGet, "/institutions?limit=200", "", nil)
		var insts institutionList
		r.decode(t, &insts)
		region := insts.Items[0].Region
		offered := map[string]bool{}
		for _, in := range insts.Items {
			if in.Region == region {
				for _, id := range in.ServiceIDs {
					offered[id] = true
				}
			}
		}
		got := listServices(t, s, "region="+url.QueryEscape(region))
		if len(got) != len(offered) {
			t.Fatalf("region %s: %d services, want %d", region, len(got), len(offered))
		}
		for _, sv := range got {
			if !offered[sv.ID] {
				t.Fatalf("region %s: %s not offered there", region, sv.ID)
			}
		}
	})
}

func TestServicePagination(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		all := listServices(t, s, "")
		var paged []string
		token := ""
		for range 100 {
			path := "/services?limit=5"
			if token != "" {
				path += "&nextToken=" + url.QueryEscape(token)
			}
			r := call(t, s, http.MethodGet, path, "", nil)
			r.ok(t, 200)
			var page serviceList
			r.decode(t, &page)
			if len(page.Items) > 5 {
				t.Fatalf("page of %d", len(page.Items))
			}
			paged = append(paged, names(page.Items)...)
			if token = page.NextToken; token == "" {
				break
			}
		}
		if fmt.Sprint(paged) != fmt.Sprint(names(all)) {
			t.Fatalf("paged %v\nall %v", paged, names(all))
		}
	})
}

func TestInstitutionFilters(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		r := call(t, s, http.MethodGet, "/institutions?limit=200", "", nil)
		var all institutionList
		r.decode(t, &all)
		target := all.Items[len(all.Items)-1]
		tests := []struct {
			query string
			keep  func(domain.Institution) bool
		}{
			{"serviceId=" + target.ServiceIDs[0], func(in domain.Institution) bool { return in.Offers(target.ServiceIDs[0]) }},
			{"region=" + url.QueryEscape(target.Region), func(in domain.Institution) bool { return in.Region == target.Region }},
			{"region=" + url.QueryEscape(strings.ToUpper(target.Region)), func(in domain.Institution) bool { return in.Region == target.Region }},
			{"locality=" + url.QueryEscape(target.Locality), func(in domain.Institution) bool { return in.Locality == target.Locality }},
			{"serviceId=svc-does-not-exist", func(domain.Institution) bool { return false }},
		}
		for _, tt := range tests {
			r := call(t, s, http.MethodGet, "/institutions?limit=200&"+tt.query, "", nil)
			r.ok(t, 200)
			var got institutionList
			r.decode(t, &got)
			want := 0
			for _, in := range all.Items {
				if tt.keep(in) {
					want++
				}
			}
			if len(got.Items) != want {
				t.Fatalf("%s: %d institutions, want %d", tt.query, len(got.Items), want)
			}
			for _, in := range got.Items {
				if !tt.keep(in) {
					t.Fatalf("%s returned %s", tt.query, in.ID)
				}
			}
		}
	})
}

func TestGetByID(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		svc := listServices(t, s, "")[0]
		r := call(t, s, http.MethodGet, "/services/"+svc.ID, "", nil)
		r.ok(t, 200)
		var got domain.Service
		r.decode(t, &got)
		if got.ID != svc.ID || got.Name != svc.Name || len(got.RequiredDocuments) != len(svc.RequiredDocuments) {
			t.Fatalf("got %+v, want %+v", got, svc)
		}
		if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "max-age") {
			t.Fatalf("Cache-Control %q", cc)
		}

		var insts institutionList
		call(t, s, http.MethodGet, "/institutions", "", nil).decode(t, &insts)
		in := insts.Items[0]
		r = call(t, s, http.MethodGet, "/institutions/"+in.ID, "", nil)
		r.ok(t, 200)
		var gotIn domain.Institution
		r.decode(t, &gotIn)
		if gotIn.ID != in.ID || gotIn.Timezone == "" || len(gotIn.WorkHours) == 0 {
			t.Fatalf("institution %+v", gotIn)
		}

		for _, p := range []string{"/services/svc-nope", "/institutions/inst-nope", "/services/" + strings.Repeat("x", 2000)} {
			call(t, s, http.MethodGet, p, "", nil).problem(t, 404, "not_found")
		}
	})
}

func TestRoutingErrors(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		call(t, s, http.MethodGet, "/nowhere", "", nil).problem(t, 404, "not_found")
		call(t, s, http.MethodGet, "/services/a/b", "", nil).problem(t, 404, "not_found")
		r := call(t, s, http.MethodDelete, "/services", "", nil)
		r.problem(t, 405, "method_not_allowed")
		if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
			t.Fatalf("Allow %q", allow)
		}
		call(t, s, http.MethodPut, "/services/x", "", nil).problem(t, 405, "method_not_allowed")
		// English on request.
		p := call(t, s, http.MethodGet, "/nowhere", "", nil, "Accept-Language", "en-GB,en;q=0.9").problem(t, 404, "not_found")
		if hasCyrillic(p.Title) {
			t.Fatalf("title %q not English", p.Title)
		}
		p = call(t, s, http.MethodGet, "/nowhere", "", nil).problem(t, 404, "not_found")
		if !hasCyrillic(p.Title) {
			t.Fatalf("title %q not Russian", p.Title)
		}
	})
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if r >= 'А' && r <= 'я' {
			return true
		}
	}
	return false
}
