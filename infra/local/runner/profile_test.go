package runner

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zapis/zapis/shared/domain"
)

func getProfile(t *testing.T, s stack, c citizen) domain.Profile {
	t.Helper()
	r := call(t, s, http.MethodGet, "/me/profile", c.tok, nil)
	r.ok(t, http.StatusOK)
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("personal data cacheable: Cache-Control %q", cc)
	}
	var p domain.Profile
	r.decode(t, &p)
	return p
}

// TestProfile: GET /me/profile and PUT /me/profile with real validation and
// per-field errors, each citizen seeing only its own profile.
func TestProfile(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		a, b := bareCitizen(t, s), bareCitizen(t, s)

		// Nothing saved yet.
		call(t, s, http.MethodGet, "/me/profile", a.tok, nil).problem(t, http.StatusNotFound, "not_found")

		// A valid profile in the formats people type is saved normalised.
		before := time.Now().Add(-time.Second)
		r := call(t, s, http.MethodPut, "/me/profile", a.tok, profileBody(3))
		r.ok(t, http.StatusOK)
		var saved domain.Profile
		r.decode(t, &saved)
		want := domain.Profile{
			LastName: lastNames[3], FirstName: firstNames[3], MiddleName: middleNames[3],
			BirthDate: "1990-05-17", SNILS: snilsFor(3), INN: "500100732259",
			Passport: domain.Passport{Series: "4510", Number: "123456", IssuedAt: "2010-06-01", IssuedBy: "ОВД района Арбат г. Москвы", DivisionCode: "770-001"},
			Phone:    "+79123456789", Email: "citizen@example.ru",
		}
		if saved.UpdatedAt.Before(before) || saved.UpdatedAt.After(time.Now().Add(time.Second)) {
			t.Fatalf("updatedAt %s", saved.UpdatedAt)
		}
		stamped := want
		stamped.UpdatedAt = saved.UpdatedAt
		if saved != stamped {
			t.Fatalf("PUT answered\n %#v\nwant\n %#v", saved, stamped)
		}
		if !strings.HasPrefix(saved.Phone, "+7") || len(saved.SNILS) != len("XXX-XXX-XXX YY") || saved.SNILS[11] != ' ' {
			t.Fatalf("phone %q, SNILS %q not normalised", saved.Phone, saved.SNILS)
		}
		if got := getProfile(t, s, a); !got.UpdatedAt.Equal(saved.UpdatedAt) || got.SNILS != saved.SNILS || got.Passport != saved.Passport || got.Phone != saved.Phone {
			t.Fatalf("GET returned %#v, saved %#v", got, saved)
		}

		// B has no profile: A's is not B's.
		call(t, s, http.MethodGet, "/me/profile", b.tok, nil).problem(t, http.StatusNotFound, "not_found")

		// Several invalid fields: every one is reported, nothing is saved.
		bad := profileBody(3)
		bad["snils"] = "112-233-445 96"                                     // checksum off by one
		bad["inn"] = "500100732258"                                         // 12 digits, last check digit wrong
		bad["passport"].(map[string]any)["series"] = "45 1"                 // 3 digits
		bad["passport"].(map[string]any)["divisionCode"] = "77-0001"        // not XXX-XXX
		bad["phone"] = "+7 (012) 345-67-89"                                 // no such Russian number
		bad["email"] = "ivan@@example.ru"                                   // not an address
		bad["birthDate"] = time.Now().AddDate(1, 0, 0).Format("2006-01-02") // in the future
		bad["lastName"] = "Иван0в"                                          // a digit
		p := call(t, s, http.MethodPut, "/me/profile", a.tok, bad).problem(t, http.StatusBadRequest, "validation_failed")
		got := map[string]string{}
		for _, f := range p.Errors {
			if f.Message == "" {
				t.Errorf("field %s has no message", f.Field)
			}
			got[f.Field] = f.Code
		}
		wantErrs := map[string]string{
			"snils":                 "invalid_checksum",
			"inn":                   "invalid_checksum",
			"passport.series":       "invalid_format",
			"passport.divisionCode": "invalid_format",
			"phone":                 "invalid_format",
			"email":                 "invalid_format",
			"birthDate":             "in_future",
			"lastName":              "invalid_format",
		}
		if !maps.Equal(got, wantErrs) {
			t.Fatalf("field errors\n got %v\nwant %v", got, wantErrs)
		}
		if again := getProfile(t, s, a); again.SNILS != saved.SNILS || again.LastName != saved.LastName || !again.UpdatedAt.Equal(saved.UpdatedAt) {
			t.Fatalf("a rejected PUT changed the profile: %#v", again)
		}

		// A 10-digit INN (checksum computed) and no middle name or INN at all
		// are fine; B's profile is B's own.
		okB := profileBody(4)
		okB["inn"] = "7707083893"
		delete(okB, "middleName")
		call(t, s, http.MethodPut, "/me/profile", b.tok, okB).ok(t, http.StatusOK)
		gotB := getProfile(t, s, b)
		if gotB.SNILS != snilsFor(4) || gotB.INN != "7707083893" || gotB.MiddleName != "" || gotB.LastName != lastNames[4] {
			t.Fatalf("B's profile %#v", gotB)
		}
		if gotA := getProfile(t, s, a); gotA.SNILS != snilsFor(3) || gotA.LastName != lastNames[3] {
			t.Fatalf("A sees %#v after B saved", gotA)
		}
		noINN := profileBody(5)
		delete(noINN, "inn")
		call(t, s, http.MethodPut, "/me/profile", b.tok, noINN).ok(t, http.StatusOK)
		if gotB := getProfile(t, s, b); gotB.INN != "" || gotB.SNILS != snilsFor(5) {
			t.Fatalf("B's profile after update %#v", gotB)
		}

		// Structural problems are client errors too.
		p = call(t, s, http.MethodPut, "/me/profile", a.tok, map[string]any{"lastName": "Иванов", "nickname": "ivan"}).problem(t, 400, "validation_failed")
		if !slices.Contains(fieldsOf(p), "nickname") {
			t.Fatalf("unknown field not named: %v", fieldsOf(p))
		}
		p = call(t, s, http.MethodPut, "/me/profile", a.tok, map[string]any{"passport": "4510 123456"}).problem(t, 400, "validation_failed")
		if !slices.Contains(fieldsOf(p), "passport") {
			t.Fatalf("wrong type not named: %v", fieldsOf(p))
		}
		call(t, s, http.MethodPut, "/me/profile", a.tok, `{"lastName":`).problem(t, 400, "validation_failed")
		call(t, s, http.MethodPut, "/me/profile", a.tok, "").problem(t, 400, "validation_failed")
		// An empty object reports every required field.
		p = call(t, s, http.MethodPut, "/me/profile", a.tok, map[string]any{}).problem(t, 400, "validation_failed")
		for _, f := range []string{"lastName", "firstName", "birthDate", "snils", "passport.series", "passport.number", "passport.issuedAt", "passport.issuedBy", "passport.divisionCode", "phone", "email"} {
			if !slices.Contains(fieldsOf(p), f) {
				t.Errorf("empty profile: %s not reported (%v)", f, fieldsOf(p))
			}
		}
		if again := getProfile(t, s, a); again.SNILS != saved.SNILS {
			t.Fatalf("a rejected PUT changed the profile: %#v", again)
		}
	})
}
