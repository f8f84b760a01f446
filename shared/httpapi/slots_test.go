package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/zapis/zapis/shared/domain"
)

// TestSlotWritesCheckCallerFirst: the operator endpoints refuse a caller
// before they read anything (the App has no store: a read would panic).
func TestSlotWritesCheckCallerFirst(t *testing.T) {
	t.Parallel()
	app := &App{Log: slog.New(slog.DiscardHandler), Now: time.Now}
	handlers := map[string]http.Handler{
		"POST /institutions/{id}/slots":          CreateSlots(app),
		"PUT /institutions/{id}/schedule":        PutSchedule(app),
		"POST /institutions/{id}/slots/generate": GenerateSlots(app),
	}
	callers := []struct {
		name   string
		claims map[string]string // nil: no authorizer context at all
		status int
	}{
		{"no claims", nil, 401},
		{"claims without sub", map[string]string{ClaimGroups: "[admin]"}, 401},
		{"citizen", map[string]string{ClaimSub: "c1", ClaimGroups: "[citizen]"}, 403},
		{"operator of another institution", map[string]string{ClaimSub: "o1", ClaimGroups: "[operator]", ClaimInstitution: "inst-other"}, 403},
		{"operator without institution", map[string]string{ClaimSub: "o2", ClaimGroups: "[operator]"}, 403},
	}
	for route, h := range handlers {
		for _, c := range callers {
			t.Run(route+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				method, path, _ := strings.Cut(route, " ")
				ev := events.APIGatewayV2HTTPRequest{
					RouteKey: route,
					RawPath:  strings.Replace(path, "{id}", "inst-own", 1),
					Body:     `{}`,
					Headers:  map[string]string{"content-type": "application/json"},
					RequestContext: events.APIGatewayV2HTTPRequestContext{
						HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path},
					},
				}
				if c.claims != nil {
					ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
						JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c.claims},
					}
				}
				ctx := WithPathParams(context.Background(), map[string]string{"id": "inst-own"})
				req, err := (&core.RequestAccessorV2{}).EventToRequestWithContext(ctx, ev)
				if err != nil {
					t.Fatal(err)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != c.status {
					t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
				}
			})
		}
	}
}

func TestOverlapping(t *testing.T) {
	t.Parallel()
	at := func(clock string) time.Time {
		tm, err := time.Parse(time.RFC3339, "2027-03-01T"+clock+":00+03:00")
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	slot := func(from, to string) domain.Slot {
		return domain.Slot{ID: from, Start: at(from), End: at(to)}
	}
	existing := []domain.Slot{slot("08:00", "08:30"), slot("09:00", "12:00"), slot("12:00", "12:15"), slot("13:00", "13:15")}
	tests := []struct {
		from, to string
		want     string // id of the overlapped slot, "" for none
	}{
		{"07:00", "08:00", ""},      // touches the next one
		{"08:30", "09:00", ""},      // fits the gap exactly
		{"08:15", "08:45", "08:00"}, // tail of an earlier slot
		{"10:00", "10:15", "09:00"}, // inside a long slot
		{"11:45", "12:30", "12:00"}, // overlaps two: the later one is named
		{"12:15", "13:00", ""},
		{"13:00", "13:15", "13:00"}, // the same slot
		{"06:00", "23:00", "13:00"}, // around everything
		{"13:15", "14:00", ""},
	}
	for _, tt := range tests {
		got, ok := overlapping(existing, domain.SlotSpec{Start: at(tt.from), End: at(tt.to)})
		if tt.want == "" && ok {
			t.Errorf("%s–%s overlaps %s, want none", tt.from, tt.to, got.ID)
		}
		if tt.want != "" && (!ok || got.ID != tt.want) {
			t.Errorf("%s–%s: got %q %v, want %s", tt.from, tt.to, got.ID, ok, tt.want)
		}
	}
}

func TestAddCivilDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		date string
		n    int
		want string
	}{
		{"2027-02-28", 1, "2027-03-01"},
		{"2028-02-28", 1, "2028-02-29"},
		{"2026-12-31", 13, "2027-01-13"},
		{"2027-03-28", 0, "2027-03-28"},
		{"2027-3-28", 1, ""},
		{"tomorrow", 1, ""},
		{"", 1, ""},
	}
	for _, tt := range tests {
		if got := addCivilDays(tt.date, tt.n); got != tt.want {
			t.Errorf("addCivilDays(%q, %d) = %q, want %q", tt.date, tt.n, got, tt.want)
		}
	}
}
