package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/zapis/zapis/shared/domain"
)

// Fuzz targets of the request decoders. Each feeds arbitrary bytes (or a
// query string, or a header) through the decoding and validation the handler
// runs, without AWS, and checks that:
//   - nothing panics;
//   - every error is a known client error: problemFor maps it to one of the
//     few 4xx problems the target allows, with a stable code (the same in
//     Russian and English), and with field errors or a detail to act on;
//   - every field error names a non-empty JSON path: one the body holds for
//     an unknown field, "$" or a path of the body for a wrong type, a plain
//     path ("slots[2].end", "passport.series") otherwise;
//   - decoding and validation are deterministic;
//   - what is accepted is really valid (target by target).
//
// Where a handler answers invalid input before it touches the store, the
// handler itself is served the same request by an App without a store, and
// must answer the very problem the decode path predicts. It is only called
// for input the decode path rejects, so the nil store is never reached; a
// panic is reported, and a 500 (serve's answer to a recovered panic) fails.
//
// Seeds are in code below and in testdata/fuzz/<Target>/.

// fuzzNow is the clock of every target: Monday 23 November 2026, 13:00 in
// Moscow.
var fuzzNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// Problems a request-decoding error may become, by code.
var decodeProblems = map[string]int{
	"validation_failed":      http.StatusBadRequest,
	"payload_too_large":      http.StatusRequestEntityTooLarge,
	"unsupported_media_type": http.StatusUnsupportedMediaType,
}

// uploadProblems adds what CheckUpload refuses with codes of their own.
var uploadProblems = map[string]int{
	"validation_failed":         http.StatusBadRequest,
	"payload_too_large":         http.StatusRequestEntityTooLarge,
	"unsupported_media_type":    http.StatusUnsupportedMediaType,
	"document_too_large":        http.StatusBadRequest,
	"unsupported_document_type": http.StatusBadRequest,
	"rate_limited":              http.StatusTooManyRequests,
}

// fuzzServices are the services the fixed institution offers, by id.
var fuzzServices = map[string]domain.Service{
	"passport-issue": {ID: "passport-issue", DurationMinutes: 20},
	"snils":          {ID: "snils", DurationMinutes: 15},
}

// plainPath is a JSON path made of names and indexes, as the domain writes
// them: "slots[2].end", "passport.series", "reminders.24h", "$".
var plainPath = regexp.MustCompile(`^(\$|[A-Za-z0-9_-]+(\[[0-9]+\])*(\.[A-Za-z0-9_-]+(\[[0-9]+\])*)*)$`)

// indexes matches the array indexes of a path.
var indexes = regexp.MustCompile(`\[[0-9]+\]`)

// Bugs these targets found in the product code, now fixed; the seeds in
// testdata/fuzz that reproduced them guard the fixes.

// emptyKeyPath: a key "" names no field, as keys are joined to paths as
// they are. decodeJSON reports an unknown key "" at the top level ({"":1})
// on the empty field "" (decode.go, unknownFields and join; nested,
// {"passport":{"":1}} is reported on "passport."), and Schedule.Normalize a
// weekday "" ({"weekly":{"":[]}}) on "weekly." (domain/schedule.go).
func emptyKeyPath(domain.FieldError) bool { return false } // fixed: keys are quoted, weekly[""]

// untrimmedUploadType: UploadDocument counts the earlier uploads of
// req.Type as sent, while CheckUpload checks the trimmed type, and then
// stores req.Type as sent (documents.go). {"type":" photo",...} passes the
// per-type limit whatever the uploads of "photo", and makes a document whose
// type matches no required document.
func untrimmedUploadType(domain.UploadRequest) bool { return false } // fixed: the handler trims

// overflowedDefaultTo: ListSlots defaults ?to= to from plus 13 days; from
// 9999-12-19 on that is in year 10000, which DayRange refuses, so a request
// that sent no ?to= gets invalid_format on "to" (slots.go, ListSlots).
func overflowedDefaultTo(url.Values, string) bool { return false } // fixed: the default stops at 9999-12-31

// fuzzApp is an App without a store: only for requests the handler refuses
// before reading anything.
func fuzzApp() *App {
	return &App{Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return fuzzNow }}
}

// citizenContext carries the verified claims of a citizen, as API Gateway's
// JWT authorizer passes them.
func citizenContext(tb testing.TB) context.Context {
	tb.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		RawPath: "/",
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost, Path: "/"},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
					Claims: map[string]string{ClaimSub: "citizen-1", ClaimGroups: "[citizen]"},
				},
			},
		},
	}
	r, err := (&core.RequestAccessorV2{}).EventToRequestWithContext(context.Background(), ev)
	if err != nil {
		tb.Fatal(err)
	}
	return r.Context()
}

// fuzzRequest is a request with body; contentType "" sends no header.
func fuzzRequest(ctx context.Context, method, target string, body []byte, contentType string) *http.Request {
	r := httptest.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// decodeTwice decodes two identical requests and fails unless both give
// the same value and the same error.
func decodeTwice[T any](t *testing.T, newRequest func() *http.Request) (T, error) {
	t.Helper()
	var a, b T
	errA := decodeJSON(newRequest(), &a)
	errB := decodeJSON(newRequest(), &b)
	sameOutcome(t, "decodeJSON", a, errA, b, errB)
	return a, errA
}

// sameOutcome fails unless two runs of step gave equal values and errors.
func sameOutcome(t *testing.T, step string, a any, errA error, b any, errB error) {
	t.Helper()
	if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
		t.Fatalf("%s is not deterministic: %v, then %v", step, errA, errB)
	}
	if errA != nil {
		pa, _ := problemFor(errA, false)
		pb, _ := problemFor(errB, false)
		if !reflect.DeepEqual(pa, pb) {
			t.Fatalf("%s is not deterministic: problem %+v, then %+v", step, pa, pb)
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("%s is not deterministic: %+v, then %+v", step, a, b)
	}
}

// checkProblem fails unless err maps to a known client problem that allowed
// permits, with usable details, and returns the problem.
func checkProblem(t *testing.T, err error, body []byte, allowed map[string]int) Problem {
	t.Helper()
	p, known := problemFor(err, false)
	if !known {
		t.Fatalf("error %q maps to %d %s: not a known client error", err, p.Status, p.Code)
	}
	if status, ok := allowed[p.Code]; !ok || status != p.Status {
		t.Fatalf("error %q maps to %d %s, not one of %v", err, p.Status, p.Code, allowed)
	}
	if p.Type != problemBase+p.Code || p.Title == "" {
		t.Fatalf("error %q: problem type %q, title %q", err, p.Type, p.Title)
	}
	en, _ := problemFor(err, true)
	if en.Status != p.Status || en.Code != p.Code || en.Detail != p.Detail || !reflect.DeepEqual(en.Errors, p.Errors) {
		t.Fatalf("error %q: English problem %+v differs from %+v beyond the title", err, en, p)
	}
	var ve *domain.ValidationError
	var fe *domain.FieldsError
	if (errors.As(err, &ve) || errors.As(err, &fe)) && len(p.Errors) == 0 {
		t.Fatalf("error %q: a field error without fields", err)
	}
	if p.Code == "validation_failed" && len(p.Errors) == 0 && p.Detail == "" {
		t.Fatalf("error %q: a 400 with neither field errors nor a detail", err)
	}
	var paths map[string]bool
	for _, f := range p.Errors {
		if f.Code == "" || f.Message == "" {
			t.Fatalf("error %q: incomplete field error %+v", err, f)
		}
		if emptyKeyPath(f) {
			continue
		}
		if f.Field == "" {
			t.Fatalf("error %q: incomplete field error %+v", err, f)
		}
		switch f.Code {
		case "unknown_field":
			// The client's own key, verbatim.
			if paths == nil {
				paths = bodyPaths(t, body)
			}
			if !paths[f.Field] {
				t.Fatalf("error %q: unknown field %q is not a path of the body", err, f.Field)
			}
		case "invalid_type":
			// encoding/json names the field without array indexes.
			if paths == nil {
				paths = bodyPaths(t, body)
			}
			if f.Field != "$" && !paths[f.Field] && !slices.ContainsFunc(slices.Collect(maps.Keys(paths)), func(p string) bool {
				return indexes.ReplaceAllString(p, "") == f.Field
			}) {
				t.Fatalf("error %q: wrong type at %q, which is not a path of the body", err, f.Field)
			}
		case "unknown_weekday":
			if !strings.HasPrefix(f.Field, "weekly.") && f.Field != `weekly[""]` || f.Field == "weekly." {
				t.Fatalf("error %q: unknown weekday at %q", err, f.Field)
			}
		default:
			if !plainPath.MatchString(f.Field) {
				t.Fatalf("error %q: field %q is not a JSON path", err, f.Field)
			}
		}
	}
	return p
}

// bodyPaths lists every path of a JSON body the way decodeJSON writes
// them: "a.b", "a[0].b".
func bodyPaths(t *testing.T, body []byte) map[string]bool {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("a field error for a body that is not JSON: %v", err)
	}
	out := map[string]bool{}
	var walk func(string, any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				p := join(path, k)
				out[p] = true
				walk(p, e)
			}
		case []any:
			for i, e := range v {
				p := fmt.Sprintf("%s[%d]", path, i)
				out[p] = true
				walk(p, e)
			}
		}
	}
	walk("", v)
	return out
}

// checkHandler serves r with h and fails unless the answer is want.
func checkHandler(t *testing.T, h http.Handler, r *http.Request, want Problem) {
	t.Helper()
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("%s %s panicked: %v", r.Method, r.URL, v)
			}
		}()
		h.ServeHTTP(rec, r)
	}()
	if rec.Code != want.Status {
		t.Fatalf("%s %s answered %d %s; the decode path says %d %s", r.Method, r.URL, rec.Code, rec.Body, want.Status, want.Code)
	}
	var got Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s %s: problem body %q: %v", r.Method, r.URL, rec.Body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s %s answered %+v; the decode path says %+v", r.Method, r.URL, got, want)
	}
}

// FuzzDecodeBooking: the body of POST /bookings and POST
// /bookings/{id}/reschedule ({slotId}), its Content-Type and the
// Idempotency-Key header.
func FuzzDecodeBooking(f *testing.F) {
	const slotID = "aW5zdC0xfHBhc3Nwb3J0LWlzc3VlfDE3OTY4ODYwMDA"
	for _, s := range []struct{ body, contentType, key string }{
		{`{"slotId":"` + slotID + `"}`, "application/json", "3f2a9c1e-7b4d-4e8a-9f00-1c2d3e4f5a6b"},
		{`{"slotId":"` + slotID + `"}`, "application/json; charset=utf-8", ""},
		{`{"slotId":"` + slotID + `"}`, "", "retry-1"},
		{`{"slotId":"   "}`, "application/json", ""},
		{`{}`, "application/json", ""},
		{`{"slotId":"x","userId":"someone-else"}`, "application/json", ""},
		{`{"slotId":42}`, "application/json", ""},
		{`{"slotId":"x"}`, "text/plain", ""},
		{`{"slotId":"x"}`, "application/json", "ключ"},
		{`{"slotId":"x"}`, "application/json", "two words"},
		{`{"slotId":"x"}`, "application/json", strings.Repeat("k", 256)},
		{`{"slotId":"x"} {"slotId":"y"}`, "application/json", ""},
		{`[{"slotId":"x"}]`, "application/json", ""},
		{`null`, "application/json", ""},
		{``, "application/json", ""},
	} {
		f.Add([]byte(s.body), s.contentType, s.key)
	}
	app, ctx := fuzzApp(), citizenContext(f)
	create, reschedule := CreateBooking(app), RescheduleBooking(app)
	rescheduleCtx := WithPathParams(ctx, map[string]string{"id": "bk-1"})
	f.Fuzz(func(t *testing.T, body []byte, contentType, key string) {
		newRequest := func(ctx context.Context, target string) *http.Request {
			r := fuzzRequest(ctx, http.MethodPost, target, body, contentType)
			if key != "" {
				r.Header.Set("Idempotency-Key", key)
			}
			return r
		}
		req, err := decodeTwice[slotRequest](t, func() *http.Request { return newRequest(ctx, "/bookings") })
		if err == nil {
			err = req.validate()
			if err == nil && strings.TrimSpace(req.SlotID) == "" {
				t.Fatalf("blank slotId %q accepted", req.SlotID)
			}
		}
		k, keyErr := idempotencyKey(newRequest(ctx, "/bookings"))
		k2, keyErr2 := idempotencyKey(newRequest(ctx, "/bookings"))
		sameOutcome(t, "idempotencyKey", k, keyErr, k2, keyErr2)
		if keyErr == nil {
			if k != key {
				t.Fatalf("Idempotency-Key %q read as %q", key, k)
			}
			if len(k) > 255 || strings.ContainsFunc(k, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
				t.Fatalf("Idempotency-Key %q accepted", k)
			}
		} else {
			p := checkProblem(t, keyErr, nil, decodeProblems)
			if p.Status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "Idempotency-Key" {
				t.Fatalf("Idempotency-Key %q refused with %+v", key, p)
			}
		}

		// The handlers read the body first, then (create) the key before
		// anything else; reschedule reads the booking before the key.
		if err != nil {
			want := checkProblem(t, err, body, decodeProblems)
			checkHandler(t, create, newRequest(ctx, "/bookings"), want)
			checkHandler(t, reschedule, newRequest(rescheduleCtx, "/bookings/bk-1/reschedule"), want)
		} else if keyErr != nil {
			want, _ := problemFor(keyErr, false)
			checkHandler(t, create, newRequest(ctx, "/bookings"), want)
		}
	})
}

// FuzzDecodeProfile: the body of PUT /me/profile, normalised against now.
func FuzzDecodeProfile(f *testing.F) {
	for _, body := range []string{
		`{"lastName":"Иванов","firstName":"Иван","middleName":"Иванович","birthDate":"1990-05-17","snils":"112-233-445 95","inn":"500100732259",` +
			`"passport":{"series":"4510","number":"123456","issuedAt":"2010-06-01","issuedBy":"ОВД района Арбат г. Москвы","divisionCode":"770-001"},` +
			`"phone":"+79123456789","email":"ivanov@example.ru"}`,
		`{"lastName":" петрова-водкина ","firstName":"Анна","birthDate":"2001-02-28","snils":"11223344595",` +
			`"passport":{"series":"45 06","number":"012345","issuedAt":"2021-03-01","issuedBy":"ГУ МВД России по г. Москве","divisionCode":"770001"},` +
			`"phone":"8 (912) 345-67-89","email":"Anna.Petrova@Example.RU"}`,
		`{"lastName":"Иван0в","firstName":"","middleName":"-","birthDate":"2030-01-01","snils":"112-233-445 96","inn":"7707083894",` +
			`"passport":{"series":"45","number":"12345x","issuedAt":"01.06.2010","issuedBy":"","divisionCode":"77-0001"},"phone":"12345","email":"not-an-email"}`,
		`{"lastName":"Иванов","passport":{"series":"4510","scan":"base64..."}}`,
		`{"lastName":"Иванов","phone":79123456789}`,
		`{"updatedAt":"yesterday"}`,
		`{"passport":[]}`,
		`{}`,
		`null`,
	} {
		f.Add([]byte(body))
	}
	app, ctx := fuzzApp(), citizenContext(f)
	put := PutProfile(app)
	f.Fuzz(func(t *testing.T, body []byte) {
		newRequest := func() *http.Request {
			return fuzzRequest(ctx, http.MethodPut, "/me/profile", body, "application/json")
		}
		in, err := decodeTwice[domain.Profile](t, newRequest)
		if err == nil {
			out, nerr := in.Normalize(fuzzNow)
			out2, nerr2 := in.Normalize(fuzzNow)
			sameOutcome(t, "Profile.Normalize", out, nerr, out2, nerr2)
			if nerr == nil {
				again, aerr := out.Normalize(fuzzNow)
				if aerr != nil || !reflect.DeepEqual(again, out) {
					t.Fatalf("accepted profile is not normalised: %#v, then %#v (%v)", out, again, aerr)
				}
				if !out.Complete() {
					t.Fatalf("accepted profile is incomplete: %#v", out)
				}
				return
			}
			err = nerr
		}
		want := checkProblem(t, err, body, decodeProblems)
		checkHandler(t, put, newRequest(), want)
	})
}

// checkCreateSlots is what CreateSlots checks before it reads the existing
// slots: the body's length, the times' format, the domain's rules, and the
// services (offered here, not longer than the slot).
func checkCreateSlots(req createSlotsRequest, now time.Time, services map[string]domain.Service) ([]domain.SlotSpec, error) {
	if len(req.Slots) > maxSlotsPerRequest {
		return nil, domain.Invalid("slots", "too_many", fmt.Sprintf("Не больше %d слотов в одном запросе", maxSlotsPerRequest))
	}
	var p domain.Problems
	specs := make([]domain.SlotSpec, len(req.Slots))
	for i, s := range req.Slots {
		path := fmt.Sprintf("slots[%d]", i)
		specs[i] = domain.SlotSpec{
			ServiceID: strings.TrimSpace(s.ServiceID),
			Start:     parseInstant(&p, path+".start", s.Start),
			End:       parseInstant(&p, path+".end", s.End),
			Capacity:  s.Capacity,
		}
	}
	known := func(id string) bool { _, ok := services[id]; return ok }
	var ve *domain.ValidationError
	if errors.As(domain.ValidateSlotSpecs(specs, now, known), &ve) {
		for _, f := range ve.Fields {
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
	return specs, p.Err()
}

// FuzzDecodeSlots: the body of POST /institutions/{id}/slots.
func FuzzDecodeSlots(f *testing.F) {
	slot := func(svc, start, end string, capacity int) string {
		return fmt.Sprintf(`{"serviceId":%q,"start":%q,"end":%q,"capacity":%d}`, svc, start, end, capacity)
	}
	for _, body := range []string{
		`{"slots":[` + slot("passport-issue", "2026-12-01T09:00:00+03:00", "2026-12-01T09:30:00+03:00", 2) + `]}`,
		`{"slots":[` + slot("passport-issue", "2026-12-01T09:00:00+03:00", "2026-12-01T09:20:00+03:00", 1) + `,` +
			slot("snils", "2026-12-01T09:00:00+03:00", "2026-12-01T09:15:00+03:00", 3) + `,` +
			slot("passport-issue", "2026-12-01T06:20:00Z", "2026-12-01T06:40:00Z", 50) + `]}`,
		`{"slots":[` + slot("passport-issue", "2026-12-01T09:00:00+03:00", "2026-12-01T10:00:00+03:00", 2) + `,` +
			slot("passport-issue", "2026-12-01T09:30:00+03:00", "2026-12-01T10:30:00+03:00", 2) + `]}`,
		`{"slots":[` + slot("passport-issue", "2026-11-20T09:00:00+03:00", "2026-11-20T09:30:00+03:00", 2) + `]}`,
		`{"slots":[` + slot("passport-issue", "2026-12-01 09:00", "2026-12-01T09:30:00.5+03:00", 0) + `]}`,
		`{"slots":[` + slot("snils", "2026-12-01T09:00:00+03:00", "2026-12-01T09:10:00+03:00", 51) + `]}`,
		`{"slots":[` + slot("unknown", "2026-12-01T09:00:00+03:00", "2026-12-01T22:00:00+03:00", 1) + `]}`,
		`{"slots":[{"serviceId":"snils","start":"2026-12-01T09:00:00+03:00","end":"2026-12-01T09:30:00+03:00","capacity":"2","room":"5"}]}`,
		`{"slots":[{}]}`,
		`{"slots":[]}`,
		`{"slots":{}}`,
		`{}`,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		newRequest := func() *http.Request {
			return fuzzRequest(context.Background(), http.MethodPost, "/institutions/inst-1/slots", body, "application/json")
		}
		req, err := decodeTwice[createSlotsRequest](t, newRequest)
		if err == nil {
			var specs, specs2 []domain.SlotSpec
			var err2 error
			specs, err = checkCreateSlots(req, fuzzNow, fuzzServices)
			specs2, err2 = checkCreateSlots(req, fuzzNow, fuzzServices)
			sameOutcome(t, "slot checks", specs, err, specs2, err2)
			if err == nil {
				checkAcceptedSlots(t, specs)
				return
			}
		}
		checkProblem(t, err, body, decodeProblems)
	})
}

// checkAcceptedSlots fails unless specs are slots CreateSlots may write.
func checkAcceptedSlots(t *testing.T, specs []domain.SlotSpec) {
	t.Helper()
	if len(specs) == 0 || len(specs) > maxSlotsPerRequest {
		t.Fatalf("%d slots accepted", len(specs))
	}
	for i, s := range specs {
		svc, ok := fuzzServices[s.ServiceID]
		d := s.End.Sub(s.Start)
		switch {
		case !ok:
			t.Fatalf("slot %d: service %q accepted", i, s.ServiceID)
		case s.Start.Before(fuzzNow):
			t.Fatalf("slot %d: start %v in the past accepted", i, s.Start)
		case !s.Start.Equal(s.Start.Truncate(time.Minute)) || !s.End.Equal(s.End.Truncate(time.Minute)):
			t.Fatalf("slot %d: %v–%v not on whole minutes accepted", i, s.Start, s.End)
		case d <= 0 || d > domain.MaxSlotDuration || d < time.Duration(svc.DurationMinutes)*time.Minute:
			t.Fatalf("slot %d: duration %v accepted for a %d-minute service", i, d, svc.DurationMinutes)
		case s.Capacity < domain.MinSlotCapacity || s.Capacity > domain.MaxSlotCapacity:
			t.Fatalf("slot %d: capacity %d accepted", i, s.Capacity)
		}
		for j := range i {
			if specs[j].ServiceID == s.ServiceID && domain.Overlaps(specs[j], s) {
				t.Fatalf("slots %d and %d overlap and were accepted", j, i)
			}
		}
		sl := s.Slot("inst-1")
		inst, svcID, start, err := domain.ParseSlotID(sl.ID)
		if err != nil || inst != "inst-1" || svcID != s.ServiceID || !start.Equal(s.Start) {
			t.Fatalf("slot %d: id %q reads back as %q %q %v (%v)", i, sl.ID, inst, svcID, start, err)
		}
	}
}

// checkSchedule is what PutSchedule checks before it writes: the body's
// size, the plan's rules, and the service (offered here, not longer than a
// slot).
func checkSchedule(body domain.Schedule, services map[string]domain.Service) (domain.Schedule, error) {
	if len(body.ClosedDates) > maxClosedDates {
		return domain.Schedule{}, domain.Invalid("closedDates", "too_many", fmt.Sprintf("Не больше %d закрытых дат", maxClosedDates))
	}
	var p domain.Problems
	sch, err := body.Normalize()
	p.AddAll("", err)
	if id := strings.TrimSpace(body.ServiceID); id != "" {
		svc, ok := services[id]
		switch {
		case !ok:
			p.Add("serviceId", "unknown_service", "Услуга не найдена или не оказывается в этом учреждении")
		case !p.Has("slotMinutes") && body.SlotMinutes < svc.DurationMinutes:
			p.Add("slotMinutes", "shorter_than_service", fmt.Sprintf("Слот короче приёма по услуге (%d мин)", svc.DurationMinutes))
		}
	}
	return sch, p.Err()
}

// FuzzDecodeSchedule: the body of PUT /institutions/{id}/schedule.
func FuzzDecodeSchedule(f *testing.F) {
	for _, body := range []string{
		`{"serviceId":"passport-issue","slotMinutes":20,"capacity":2,"weekly":{"mon":[{"from":"14:00","to":"18:00"},{"from":"09:00","to":"13:00"}],` +
			`"fri":[{"from":"09:00","to":"16:40"}],"sat":[]},"closedDates":["2027-01-01","2026-12-31","2027-01-01"]}`,
		`{"serviceId":" snils ","slotMinutes":15,"capacity":1,"weekly":{"sun":[{"from":"00:00","to":"24:00"}]},"closedDates":[]}`,
		`{"serviceId":"passport-issue","slotMinutes":15,"capacity":0,"weekly":{"mon":[{"from":"09:00","to":"13:00"},{"from":"12:00","to":"14:00"}],` +
			`"monday":[{"from":"9:00","to":"25:00"}],"tue":[{"from":"10:00","to":"10:10"}]},"closedDates":["31.12.2026","2026-02-30"]}`,
		`{"serviceId":"unknown","slotMinutes":4,"capacity":51,"weekly":{"wed":[{"from":"18:00","to":"09:00"}]}}`,
		`{"serviceId":"snils","slotMinutes":"15","weekly":{"mon":[{"from":"09:00","to":"13:00","break":"11:00"}]}}`,
		`{"weekly":{"mon":{"from":"09:00"}}}`,
		`{}`,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		newRequest := func() *http.Request {
			return fuzzRequest(context.Background(), http.MethodPut, "/institutions/inst-1/schedule", body, "application/json")
		}
		in, err := decodeTwice[domain.Schedule](t, newRequest)
		if err == nil {
			var sch, sch2 domain.Schedule
			var err2 error
			sch, err = checkSchedule(in, fuzzServices)
			sch2, err2 = checkSchedule(in, fuzzServices)
			sameOutcome(t, "schedule checks", sch, err, sch2, err2)
			if err == nil {
				again, aerr := sch.Normalize()
				if aerr != nil || !reflect.DeepEqual(again, sch) {
					t.Fatalf("accepted schedule is not normalised: %+v, then %+v (%v)", sch, again, aerr)
				}
				if !slices.IsSorted(sch.ClosedDates) || len(slices.Compact(slices.Clone(sch.ClosedDates))) != len(sch.ClosedDates) {
					t.Fatalf("closed dates %q not sorted and unique", sch.ClosedDates)
				}
				for key, ivs := range sch.Weekly {
					if !slices.Contains(domain.WeekdayKeys, key) || len(ivs) == 0 {
						t.Fatalf("weekly %q: %v accepted", key, ivs)
					}
				}
				return
			}
		}
		checkProblem(t, err, body, decodeProblems)
	})
}

// fuzzPendingBooking is a pending booking that asks for a passport scan
// (never uploaded) and a photo (uploaded as often as allowed).
func fuzzPendingBooking() domain.Booking {
	b := domain.Booking{
		ID: "bk-1", Code: "ABCD2345", Status: domain.StatusPending, CitizenID: "citizen-1",
		Service:     domain.ServiceRef{ID: "passport-issue", Name: "Выдача паспорта"},
		Institution: domain.InstitutionRef{ID: "inst-1", Name: "МФЦ", Timezone: "Europe/Moscow"},
		RequiredDocuments: []domain.BookingDocument{
			{Type: "passport_scan", Name: "Скан паспорта", Mandatory: true, Status: domain.DocMissing},
			{Type: "photo", Name: "Фотография", Mandatory: true, Status: domain.DocRejected, DocumentID: "doc-9", Reason: domain.ReasonUnreadable},
		},
	}
	for i := range domain.MaxUploadsPerType {
		b.Documents = append(b.Documents, domain.Document{ID: fmt.Sprintf("doc-%d", i), BookingID: b.ID, Type: "photo", Status: domain.DocRejected})
	}
	return b
}

// FuzzDecodeUpload: the body of POST /bookings/{id}/documents, checked
// against a fixed pending booking the way UploadDocument does.
func FuzzDecodeUpload(f *testing.F) {
	for _, body := range []string{
		`{"type":"passport_scan","fileName":"паспорт.pdf","contentType":"application/pdf","size":482133}`,
		`{"type":"passport_scan","fileName":"scan.JPG","contentType":"Image/JPEG; charset=binary","size":5242880}`,
		`{"type":"photo","fileName":"photo.png","contentType":"image/png","size":1000}`,
		`{"type":"passport_scan","fileName":"scan.pdf","contentType":"application/pdf","size":5242881}`,
		`{"type":"diploma","fileName":"../../etc/passwd","contentType":"image/gif","size":-1}`,
		`{"type":"passport_scan","fileName":"scan.pdf","contentType":"application/pdf","size":"482133"}`,
		`{"type":"passport_scan","fileName":"scan.pdf","contentType":"application/pdf","size":1.5e3,"sha256":"00"}`,
		`{}`,
	} {
		f.Add([]byte(body))
	}
	b := fuzzPendingBooking()
	app := fuzzApp()
	ctx := WithPathParams(citizenContext(f), map[string]string{"id": b.ID})
	upload := UploadDocument(app)
	f.Fuzz(func(t *testing.T, body []byte) {
		newRequest := func() *http.Request {
			return fuzzRequest(ctx, http.MethodPost, "/bookings/bk-1/documents", body, "application/json")
		}
		req, err := decodeTwice[domain.UploadRequest](t, newRequest)
		if err != nil {
			want := checkProblem(t, err, body, uploadProblems)
			checkHandler(t, upload, newRequest(), want)
			return
		}
		// As UploadDocument trims and counts them.
		req.Type, req.FileName = strings.TrimSpace(req.Type), strings.TrimSpace(req.FileName)
		uploads := 0
		for _, d := range b.Documents {
			if d.Type == req.Type {
				uploads++
			}
		}
		err = b.CheckUpload(req, uploads)
		err2 := b.CheckUpload(req, uploads)
		sameOutcome(t, "CheckUpload", nil, err, nil, err2)
		if err != nil {
			checkProblem(t, err, body, uploadProblems)
			return
		}
		// The handler stores req.Type as it came: it must name a document
		// the booking asks for, and one not uploaded too often.
		if !untrimmedUploadType(req) {
			if _, ok := b.RequiredDocument(req.Type); !ok {
				t.Fatalf("upload of type %q accepted: the booking asks for no such document", req.Type)
			}
			if n := countUploads(b, req.Type); n >= domain.MaxUploadsPerType {
				t.Fatalf("upload of type %q accepted after %d uploads", req.Type, n)
			}
		}
		if req.Size <= 0 || req.Size > domain.MaxDocumentSize {
			t.Fatalf("size %d accepted", req.Size)
		}
		switch domain.NormalizeContentType(req.ContentType) {
		case "application/pdf", "image/jpeg", "image/png":
		default:
			t.Fatalf("content type %q accepted", req.ContentType)
		}
		if name := strings.TrimSpace(req.FileName); name == "" || strings.ContainsAny(name, `/\`) {
			t.Fatalf("file name %q accepted", req.FileName)
		}
	})
}

func countUploads(b domain.Booking, docType string) int {
	n := 0
	for _, d := range b.Documents {
		if d.Type == docType {
			n++
		}
	}
	return n
}

// FuzzDecodeSettings: the body of PUT /me/notification-settings.
func FuzzDecodeSettings(f *testing.F) {
	for _, body := range []string{
		`{"channels":{"sms":true,"email":false,"push":true},"reminders":{"24h":true,"1h":false}}`,
		`{"channels":{"sms":false,"email":false,"push":false},"reminders":{"24h":false,"1h":false}}`,
		`{"channels":{"sms":true,"email":true},"reminders":{"24h":true}}`,
		`{"channels":{"sms":true,"email":true,"push":true,"telegram":true},"reminders":{"24h":true,"1h":"yes"}}`,
		`{"channels":null,"reminders":{}}`,
		`{"channels":[true],"reminders":{"24h":null,"1h":1}}`,
		`{}`,
	} {
		f.Add([]byte(body))
	}
	app, ctx := fuzzApp(), citizenContext(f)
	put := PutNotificationSettings(app)
	f.Fuzz(func(t *testing.T, body []byte) {
		newRequest := func() *http.Request {
			return fuzzRequest(ctx, http.MethodPut, "/me/notification-settings", body, "application/json")
		}
		req, err := decodeTwice[domain.SettingsRequest](t, newRequest)
		if err == nil {
			st, serr := req.Settings()
			st2, serr2 := req.Settings()
			sameOutcome(t, "Settings", st, serr, st2, serr2)
			if serr == nil {
				c, r := req.Channels, req.Reminders
				want := domain.NotificationSettings{
					Channels:  domain.ChannelSettings{SMS: *c.SMS, Email: *c.Email, Push: *c.Push},
					Reminders: domain.ReminderSettings{H24: *r.H24, H1: *r.H1},
				}
				if st != want {
					t.Fatalf("settings %+v from a request that says %+v", st, want)
				}
				return
			}
			err = serr
		}
		want := checkProblem(t, err, body, decodeProblems)
		checkHandler(t, put, newRequest(), want)
	})
}

// slotsQuery is what ListSlots reads from its query before the store: the
// service, the local date range (today and two weeks by default), and that
// range as instants.
func slotsQuery(q url.Values, now time.Time, loc *time.Location) (serviceID, from, to string, start, end time.Time, err error) {
	serviceID, from, to = q.Get("serviceId"), q.Get("from"), q.Get("to")
	var p domain.Problems
	if serviceID == "" {
		p.Add("serviceId", "required", "Укажите услугу")
	}
	today := domain.LocalDate(now, loc)
	if from == "" {
		from = today
	}
	if to == "" {
		if to = addCivilDays(from, defaultSlotDays-1); to == "" {
			to = addCivilDays(today, defaultSlotDays-1)
		}
		if to > "9999-12-31" || len(to) != len("2006-01-02") {
			to = "9999-12-31"
		}
	}
	start, end, err = domain.DayRange(loc, from, to)
	p.AddAll("", err)
	return serviceID, from, to, start, end, p.Err()
}

// FuzzSlotsQuery: the query of GET /institutions/{id}/slots
// (?serviceId=&from=&to=), in zones at both ends of Russia.
func FuzzSlotsQuery(f *testing.F) {
	for _, q := range []string{
		"serviceId=passport-issue&from=2026-11-23&to=2026-12-06",
		"serviceId=passport-issue",
		"serviceId=snils&from=2026-12-10",
		"serviceId=snils&to=2026-11-30",
		"from=2026-12-10&to=2026-12-01",
		"serviceId=snils&from=2026-11-23&to=2027-02-01",
		"serviceId=snils&from=2026-13-01&to=2026-02-30",
		"serviceId=snils&from=26-12-01&to=2026-12-1",
		"serviceId=%zz&from=2026-11-23;to=2026-11-24",
		"serviceId=a&serviceId=b&from=&to=",
	} {
		f.Add(q)
	}
	var zones []*time.Location
	for _, name := range []string{"Europe/Kaliningrad", "Europe/Moscow", "Asia/Kamchatka"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			f.Fatal(err)
		}
		zones = append(zones, loc)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest(http.MethodGet, "/institutions/inst-1/slots", nil)
		r.URL.RawQuery = rawQuery
		q := r.URL.Query()
		for _, loc := range zones {
			serviceID, from, to, start, end, err := slotsQuery(q, fuzzNow, loc)
			_, _, _, start2, end2, err2 := slotsQuery(r.URL.Query(), fuzzNow, loc)
			sameOutcome(t, "slots query", [2]time.Time{start, end}, err, [2]time.Time{start2, end2}, err2)
			if err != nil {
				p := checkProblem(t, err, nil, decodeProblems)
				for _, fe := range p.Errors {
					if fe.Field != "serviceId" && fe.Field != "from" && fe.Field != "to" {
						t.Fatalf("%s: error on %q", loc, fe.Field)
					}
					// A default is never the client's mistake.
					if fe.Field == "to" && q.Get("to") == "" && fe.Code != "required" && !overflowedDefaultTo(q, to) {
						t.Fatalf("%s: ?%s without to: error %s on the default to %q (from %q)", loc, rawQuery, fe.Code, to, from)
					}
				}
				continue
			}
			if serviceID == "" {
				t.Fatalf("%s: ?%s accepted without a service", loc, rawQuery)
			}
			// What the handler then relies on: both dates parse, and the
			// days it lists are the range's.
			first, err1 := time.Parse(time.DateOnly, from)
			last, err2 := time.Parse(time.DateOnly, to)
			if err1 != nil || err2 != nil || last.Before(first) {
				t.Fatalf("%s: ?%s accepted %q–%q", loc, rawQuery, from, to)
			}
			days := 0
			for dt := first; !dt.After(last); dt = dt.AddDate(0, 0, 1) {
				days++
			}
			if days < 1 || days > domain.MaxDateRangeDays {
				t.Fatalf("%s: ?%s accepted %d days", loc, rawQuery, days)
			}
			if !start.Before(end) || domain.LocalDate(start, loc) != from || domain.LocalDate(end, loc) != addCivilDays(to, 1) {
				t.Fatalf("%s: %q–%q became %v–%v", loc, from, to, start, end)
			}
		}
	})
}
