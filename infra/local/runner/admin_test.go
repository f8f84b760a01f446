package runner

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zapis/zapis/shared/domain"
)

func validService(name string) map[string]any {
	return map[string]any{
		"name":              name,
		"category":          "social",
		"department":        "МФЦ «Мои документы»",
		"description":       "Справка о зарегистрированных по месту жительства.",
		"durationMinutes":   15,
		"cancelBeforeHours": 24,
		"requiredDocuments": []map[string]any{{"type": "passport", "name": "Паспорт гражданина РФ", "mandatory": true}},
	}
}

func validInstitution(name string, serviceIDs ...string) map[string]any {
	return map[string]any{
		"name": name, "kind": "mfc", "region": "Москва", "locality": "Москва",
		"address": "г. Москва, ул. Новый Арбат, д. 99", "phone": "+7 (495) 555-01-99",
		"email": "arbat@mfc.example.ru", "timezone": "Europe/Moscow",
		"workHours":  map[string]any{"mon": []map[string]string{{"from": "08:00", "to": "20:00"}}},
		"serviceIds": serviceIDs,
	}
}

// TestCatalogWriteAuthorization is the authorization matrix of the admin
// catalog endpoints.
func TestCatalogWriteAuthorization(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		seeded := listServices(t, s, "")[0].ID
		var insts institutionList
		call(t, s, http.MethodGet, "/institutions", "", nil).decode(t, &insts)
		own, other := insts.Items[0].ID, insts.Items[1].ID

		expired, _, err := s.rn.key.issue(tokenRequest{Sub: "admin-x", Groups: []string{"admin"}}, time.Now().Add(-13*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		callers := []struct {
			name   string
			token  string
			status int
			code   string
		}{
			{"no token", "", 401, "unauthorized"},
			{"garbage token", "not-a-jwt", 401, "unauthorized"},
			{"expired admin token", expired, 401, "unauthorized"},
			{"citizen A", token(t, s, "citizen-a", "", "citizen"), 403, "forbidden"},
			{"citizen B", token(t, s, "citizen-b", "", "citizen"), 403, "forbidden"},
			{"operator of the institution", token(t, s, "op-own", own, "operator"), 403, "forbidden"},
			{"operator of another institution", token(t, s, "op-other", other, "operator"), 403, "forbidden"},
			{"admin", token(t, s, "admin-1", "", "admin"), 201, ""},
		}
		for _, c := range callers {
			t.Run(c.name, func(t *testing.T) {
				before := len(listServices(t, s, ""))
				r := call(t, s, http.MethodPost, "/services", c.token, validService("Справка о составе семьи "+c.name))
				ri := call(t, s, http.MethodPost, "/institutions", c.token, validInstitution("МФЦ Арбат "+c.name, seeded))
				if c.status == 201 {
					r.ok(t, 201)
					ri.ok(t, 201)
					return
				}
				r.problem(t, c.status, c.code)
				ri.problem(t, c.status, c.code)
				if after := len(listServices(t, s, "")); after != before {
					t.Fatalf("rejected request wrote a service: %d → %d", before, after)
				}
			})
		}
	})
}

func TestCreateServiceAndInstitution(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		admin := token(t, s, "admin-create", "", "admin")
		r := call(t, s, http.MethodPost, "/services", admin, validService("Выдача справки о составе семьи"))
		r.ok(t, 201)
		var svc domain.Service
		r.decode(t, &svc)
		if svc.ID == "" || r.header.Get("Location") != "/services/"+svc.ID {
			t.Fatalf("created %+v, Location %q", svc, r.header.Get("Location"))
		}
		call(t, s, http.MethodGet, "/services/"+svc.ID, "", nil).ok(t, 200)
		if got := listServices(t, s, "q=составе+семьи"); !slices.ContainsFunc(got, func(x domain.Service) bool { return x.ID == svc.ID }) {
			t.Fatalf("new service not found by search: %v", names(got))
		}

		r = call(t, s, http.MethodPost, "/institutions", admin, validInstitution("МФЦ района Арбат", svc.ID))
		r.ok(t, 201)
		var in domain.Institution
		r.decode(t, &in)
		if in.Phone != "+74955550199" {
			t.Fatalf("phone not normalised: %q", in.Phone)
		}
		r = call(t, s, http.MethodGet, "/institutions?serviceId="+svc.ID, "", nil)
		var found institutionList
		r.decode(t, &found)
		if len(found.Items) != 1 || found.Items[0].ID != in.ID {
			t.Fatalf("institutions for new service: %+v", found.Items)
		}

		// A client-chosen id is kept, and cannot be taken twice.
		body := validService("Услуга с заданным идентификатором")
		body["id"] = "svc-custom-id-" + strings.ToLower(s.name)
		call(t, s, http.MethodPost, "/services", admin, body).ok(t, 201)
		call(t, s, http.MethodPost, "/services", admin, body).problem(t, 409, "conflict")
	})
}

func TestCatalogWriteBadInput(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		admin := token(t, s, "admin-bad", "", "admin")
		huge := validService(strings.Repeat("Я", 600_000))
		tests := []struct {
			name       string
			path       string
			body       any
			status     int
			code       string
			wantFields []string
		}{
			{"malformed JSON", "/services", `{"name": "x",`, 400, "validation_failed", nil},
			{"not an object", "/services", `"just a string"`, 400, "validation_failed", []string{"$"}},
			{"unknown field", "/services", with(validService("Услуга"), "price", 100), 400, "validation_failed", []string{"price"}},
			{"wrong type", "/services", with(validService("Услуга"), "durationMinutes", "долго"), 400, "validation_failed", []string{"durationMinutes"}},
			{"bad category and duration", "/services", with(with(validService("Услуга"), "category", "magic"), "durationMinutes", 0), 400, "validation_failed", []string{"category", "durationMinutes"}},
			{"body over 1 MiB", "/services", huge, 413, "payload_too_large", nil},
			{"institution with unknown service", "/institutions", validInstitution("МФЦ", "svc-nope"), 400, "validation_failed", []string{"serviceIds[0]"}},
			{"institution with bad zone and phone", "/institutions", with(with(validInstitution("МФЦ", listServices(t, s, "")[0].ID), "timezone", "Mars/Olympus"), "phone", "abc"), 400, "validation_failed", []string{"phone", "timezone"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				beforeS := len(listServices(t, s, ""))
				p := call(t, s, http.MethodPost, tt.path, admin, tt.body).problem(t, tt.status, tt.code)
				for _, f := range tt.wantFields {
					if !slices.Contains(fieldsOf(p), f) {
						t.Fatalf("fields %v lack %s", fieldsOf(p), f)
					}
				}
				if after := len(listServices(t, s, "")); after != beforeS {
					t.Fatalf("bad request wrote a service")
				}
			})
		}
		call(t, s, http.MethodPost, "/services", admin, "name=x", "Content-Type", "text/plain").problem(t, 415, "unsupported_media_type")
	})
}

func with(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}
