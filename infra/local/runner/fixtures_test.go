package runner

// Shared fixtures of the booking-core tests (issue 3): dedicated
// institutions and services made through the admin API, fresh slots, citizens
// with complete profiles, raw DynamoDB reads to assert what the table holds,
// and an HTTP client for bursts of concurrent requests.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/store"
)

var fixtureSeq atomic.Int64

// uniq returns a process-unique id with prefix (subs, names).
func uniq(prefix string) string { return fmt.Sprintf("%s-%d", prefix, fixtureSeq.Add(1)) }

// slotBase is fixed once per process, so that every start nextStart hands
// out is distinct and at least an hour from any other: fresh slots (30
// minutes long) never overlap each other, whichever test made them.
var (
	slotBase = time.Now().UTC().Truncate(time.Hour).Add(5 * 24 * time.Hour)
	slotSeq  atomic.Int64
)

// nextStart returns a whole-hour instant five days or more ahead, never
// returned before in this process.
func nextStart() time.Time { return slotBase.Add(time.Duration(slotSeq.Add(1)) * time.Hour) }

// slotLength is the length of fixture slots; fixture services last 15 min.
const slotLength = 30 * time.Minute

// ---------------------------------------------------------------- catalog

// desk is an institution of its own with its own services, so that a test
// controls every slot it books and no seeded slot overlaps its slots.
type desk struct {
	inst  domain.Institution
	loc   *time.Location
	svcs  []domain.Service
	admin string // admin token
	op    string // token of an operator of inst
}

func fixtureService(name string, cancelBeforeHours int) map[string]any {
	return map[string]any{
		"name":              name,
		"category":          "documents",
		"department":        "МВД России",
		"description":       "Услуга для проверки записи на приём.",
		"durationMinutes":   15,
		"cancelBeforeHours": cancelBeforeHours,
		"requiredDocuments": []map[string]any{
			{"type": "passport", "name": "Паспорт гражданина РФ", "mandatory": true},
			{"type": "application", "name": "Заявление", "mandatory": false},
		},
	}
}

// newDesk creates, through the admin API, nServices services (24 h
// cancellation window, two documents) and an institution in zone offering
// them, and tokens for an admin and one of its operators.
func newDesk(t *testing.T, s stack, zone string, nServices int) desk {
	t.Helper()
	admin := token(t, s, uniq("admin"), "", "admin")
	d := desk{admin: admin}
	var ids []string
	for i := range nServices {
		r := call(t, s, http.MethodPost, "/services", admin, fixtureService(fmt.Sprintf("Запись для проверки %s №%d", uniq("svc"), i+1), 24))
		r.ok(t, http.StatusCreated)
		var svc domain.Service
		r.decode(t, &svc)
		d.svcs = append(d.svcs, svc)
		ids = append(ids, svc.ID)
	}
	body := map[string]any{
		"name": "Тестовое учреждение " + uniq("inst"), "kind": "mfc", "region": "Тестовый регион", "locality": "Тестовск",
		"address": "ул. Проверочная, д. 1", "phone": "+7 (495) 555-01-99", "email": "desk@mfc.example.ru", "timezone": zone,
		"workHours":  map[string]any{"mon": []map[string]string{{"from": "08:00", "to": "20:00"}}},
		"serviceIds": ids,
	}
	r := call(t, s, http.MethodPost, "/institutions", admin, body)
	r.ok(t, http.StatusCreated)
	r.decode(t, &d.inst)
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	d.loc = loc
	d.op = token(t, s, uniq("op"), d.inst.ID, "operator")
	return d
}

// freshSlot creates a slot of service svc (an index into d.svcs) through the
// operator API, POST /institutions/{id}/slots, as the admin. If that route is
// missing it falls back to the store's CreateSlot (the same DynamoDB code).
func freshSlot(t *testing.T, s stack, d desk, svc, capacity int, start time.Time) domain.Slot {
	t.Helper()
	sl := domain.SlotSpec{ServiceID: d.svcs[svc].ID, Start: start.UTC(), End: start.Add(slotLength).UTC(), Capacity: capacity}.Slot(d.inst.ID)
	body := map[string]any{"slots": []map[string]any{{
		"serviceId": sl.ServiceID, "start": start.In(d.loc).Format(time.RFC3339),
		"end": start.Add(slotLength).In(d.loc).Format(time.RFC3339), "capacity": capacity,
	}}}
	r := call(t, s, http.MethodPost, "/institutions/"+d.inst.ID+"/slots", d.admin, body)
	if r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed {
		t.Logf("POST /institutions/{id}/slots unavailable (%d): creating the slot through the store", r.status)
		return storeSlot(t, s, d, svc, capacity, start)
	}
	r.ok(t, http.StatusCreated)
	var out struct {
		Items []struct {
			ID       string    `json:"id"`
			Start    time.Time `json:"start"`
			Capacity int       `json:"capacity"`
			Free     int       `json:"free"`
		} `json:"items"`
	}
	r.decode(t, &out)
	if len(out.Items) != 1 || out.Items[0].ID != sl.ID || !out.Items[0].Start.Equal(sl.Start) || out.Items[0].Free != capacity {
		t.Fatalf("created slot %s, want id %s", r.body, sl.ID)
	}
	return sl
}

// storeSlot writes a slot with the store directly; the API refuses slots in
// the past, this does not.
func storeSlot(t *testing.T, s stack, d desk, svc, capacity int, start time.Time) domain.Slot {
	t.Helper()
	sl := domain.SlotSpec{ServiceID: d.svcs[svc].ID, Start: start.UTC().Truncate(time.Minute), End: start.Add(slotLength).UTC().Truncate(time.Minute), Capacity: capacity}.Slot(d.inst.ID)
	created, err := s.rn.App().Store.CreateSlot(context.Background(), sl)
	if err != nil || !created {
		t.Fatalf("store slot %s: created %v, %v", sl.ID, created, err)
	}
	return sl
}

// storeBooking makes c's booking of slot as if it had been made at `at`,
// with the store's own transaction: the way to hold a booking whose slot
// has since started.
func storeBooking(t *testing.T, s stack, d desk, slot domain.Slot, c citizen, at time.Time) domain.Booking {
	t.Helper()
	ctx := context.Background()
	st := s.rn.App().Store
	svc, err := st.GetService(ctx, slot.ServiceID)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := st.GetInstitution(ctx, d.inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := domain.NewBooking(store.NewBookingID(), domain.NewCode(), c.sub, c.name, svc, inst, slot, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBooking(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	return b
}

// ---------------------------------------------------------------- citizens

type citizen struct {
	sub, tok string
	name     string // the full name the profile was saved with
}

var (
	lastNames   = []string{"Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Салтыков-Щедрин"}
	firstNames  = []string{"Алексей", "Мария", "Дмитрий", "Анна", "Сергей", "Ольга", "Михаил"}
	middleNames = []string{"Петрович", "Игоревна", "Андреевич", "Сергеевна", "Викторович", "Павловна", "Евграфович"}
)

// snilsFor returns a valid SNILS, "XXX-XXX-XXX YY", distinct for each n: the
// control number is computed with the Pension Fund rule.
func snilsFor(n int) string {
	nine := fmt.Sprintf("%09d", 200_000_000+n%700_000_000)
	sum := 0
	for i, r := range nine {
		sum += int(r-'0') * (9 - i)
	}
	c := sum % 101
	if c == 100 {
		c = 0
	}
	return fmt.Sprintf("%s-%s-%s %02d", nine[0:3], nine[3:6], nine[6:9], c)
}

// profileBody is a complete profile in real formats, as a client sends it
// (phone with the trunk prefix, SNILS as bare digits).
func profileBody(n int) map[string]any {
	snils := strings.NewReplacer("-", "", " ", "").Replace(snilsFor(n))
	return map[string]any{
		"lastName":   lastNames[n%len(lastNames)],
		"firstName":  firstNames[n%len(firstNames)],
		"middleName": middleNames[n%len(middleNames)],
		"birthDate":  "1990-05-17",
		"snils":      snils,
		"inn":        "500100732259",
		"passport": map[string]any{
			"series": "45 10", "number": "123456", "issuedAt": "2010-06-01",
			"issuedBy": "ОВД района Арбат г. Москвы", "divisionCode": "770001",
		},
		"phone": "8 (912) 345-67-89",
		"email": "citizen@example.ru",
	}
}

func fullNameOf(n int) string {
	return lastNames[n%len(lastNames)] + " " + firstNames[n%len(firstNames)] + " " + middleNames[n%len(middleNames)]
}

// fastToken signs a citizen token with the runner's key, as /_local/token
// does, without the round trip (bulk setup).
func fastToken(t *testing.T, s stack, sub string) string {
	t.Helper()
	tok, _, err := s.rn.key.issue(tokenRequest{Sub: sub, Groups: []string{"citizen"}}, s.rn.now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// newCitizen returns a citizen whose complete profile is saved.
func newCitizen(t *testing.T, s stack) citizen {
	t.Helper()
	n := int(fixtureSeq.Add(1))
	c := citizen{sub: fmt.Sprintf("citizen-%d", n), name: fullNameOf(n)}
	c.tok = token(t, s, c.sub, "", "citizen")
	call(t, s, http.MethodPut, "/me/profile", c.tok, profileBody(n)).ok(t, http.StatusOK)
	return c
}

// bareCitizen returns a citizen with a token and no profile.
func bareCitizen(t *testing.T, s stack) citizen {
	t.Helper()
	sub := uniq("citizen-bare")
	return citizen{sub: sub, tok: token(t, s, sub, "", "citizen")}
}

// newCitizens makes n citizens with profiles, a few at a time.
func newCitizens(t *testing.T, s stack, n int) []citizen {
	t.Helper()
	out := make([]citizen, n)
	for i := range out {
		k := int(fixtureSeq.Add(1))
		out[i] = citizen{sub: fmt.Sprintf("citizen-%d", k), name: fullNameOf(k)}
		out[i].tok = fastToken(t, s, out[i].sub)
	}
	errs := make([]error, n)
	boundedParallel(n, 16, func(i int) {
		k := 0
		fmt.Sscanf(out[i].sub, "citizen-%d", &k)
		r, err := send(s, http.MethodPut, "/me/profile", out[i].tok, profileBody(k))
		if err == nil && r.status != http.StatusOK {
			err = fmt.Errorf("PUT /me/profile: %d %s", r.status, r.body)
		}
		errs[i] = err
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return out
}

// ---------------------------------------------------------------- HTTP

// burstClient keeps enough idle connections for hundreds of concurrent
// requests to one host, so that a burst does not churn sockets. Its timeout
// outlasts the runners' (5 min on the race tests' moto), so that a slow
// answer is the runner's to give, not cut off here.
var burstClient = &http.Client{
	Timeout: 6 * time.Minute,
	Transport: &http.Transport{
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     30 * time.Second,
	},
}

// send is call for goroutines: it reports failures instead of ending the
// test.
func send(s stack, method, path, tok string, body any, headers ...string) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, s.rn.URL()+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := burstClient.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// code returns the problem code of a problem+json response, "" otherwise.
func (r response) code() string {
	if r.header.Get("Content-Type") != "application/problem+json" {
		return ""
	}
	var p problem
	if json.Unmarshal(r.body, &p) != nil {
		return ""
	}
	return p.Code
}

// burst runs f(0) … f(n-1) in n goroutines released at the same instant.
func burst(n int, f func(i int)) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			f(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// boundedParallel runs f(0) … f(n-1) with at most workers at a time.
func boundedParallel(n, workers int, f func(i int)) {
	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}

// ---------------------------------------------------------------- bookings

func book(t *testing.T, s stack, c citizen, slotID string, headers ...string) response {
	t.Helper()
	return call(t, s, http.MethodPost, "/bookings", c.tok, map[string]any{"slotId": slotID}, headers...)
}

func asBooking(t *testing.T, r response) domain.Booking {
	t.Helper()
	var b domain.Booking
	r.decode(t, &b)
	if b.ID == "" {
		t.Fatalf("no booking in %s", r.body)
	}
	return b
}

// mustBook books slot for c and returns the booking.
func mustBook(t *testing.T, s stack, c citizen, slotID string) domain.Booking {
	t.Helper()
	r := book(t, s, c, slotID)
	r.ok(t, http.StatusCreated)
	return asBooking(t, r)
}

func getBooking(t *testing.T, s stack, tok, id string) domain.Booking {
	t.Helper()
	r := call(t, s, http.MethodGet, "/bookings/"+id, tok, nil)
	r.ok(t, http.StatusOK)
	return asBooking(t, r)
}

type bookingList struct {
	Items     []domain.Booking `json:"items"`
	NextToken string           `json:"nextToken"`
}

// myBookings walks every page of GET /bookings?status=.
func myBookings(t *testing.T, s stack, c citizen, status string) []domain.Booking {
	t.Helper()
	var all []domain.Booking
	next := ""
	for range 100 {
		q := url.Values{}
		if status != "" {
			q.Set("status", status)
		}
		if next != "" {
			q.Set("nextToken", next)
		}
		r := call(t, s, http.MethodGet, "/bookings?"+q.Encode(), c.tok, nil)
		r.ok(t, http.StatusOK)
		var page bookingList
		r.decode(t, &page)
		all = append(all, page.Items...)
		if next = page.NextToken; next == "" {
			return all
		}
	}
	t.Fatal("GET /bookings never ended")
	return nil
}

// booked reads the slot's booked counter with the store (a consistent read).
func booked(t *testing.T, s stack, slotID string) int {
	t.Helper()
	sl, err := s.rn.App().Store.GetSlot(context.Background(), slotID)
	if err != nil {
		t.Fatalf("get slot %s: %v", slotID, err)
	}
	return sl.Booked
}

// freeSeats reads the slot's free seats through GET /institutions/{id}/slots.
func freeSeats(t *testing.T, s stack, d desk, slot domain.Slot) int {
	t.Helper()
	date := domain.LocalDate(slot.Start, d.loc)
	r := call(t, s, http.MethodGet, fmt.Sprintf("/institutions/%s/slots?serviceId=%s&from=%s&to=%s", d.inst.ID, slot.ServiceID, date, date), "", nil)
	r.ok(t, http.StatusOK)
	var out struct {
		Days []struct {
			Date  string `json:"date"`
			Slots []struct {
				ID       string `json:"id"`
				Capacity int    `json:"capacity"`
				Free     int    `json:"free"`
			} `json:"slots"`
		} `json:"days"`
	}
	r.decode(t, &out)
	for _, day := range out.Days {
		for _, sl := range day.Slots {
			if sl.ID == slot.ID {
				return sl.Free
			}
		}
	}
	t.Fatalf("slot %s not listed: %s", slot.ID, r.body)
	return 0
}

// slotBookings lists, with the store, the bookings held in one slot (the
// institution's day index, filtered by slot).
func slotBookings(t *testing.T, s stack, d desk, slot domain.Slot) []domain.Booking {
	t.Helper()
	var out []domain.Booking
	next := ""
	for {
		page, err := s.rn.App().Store.ListInstitutionDay(context.Background(), d.inst.ID, domain.LocalDate(slot.Start, d.loc), 200, next)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.Items {
			if b.Slot.ID == slot.ID && b.Status.Active() {
				out = append(out, b)
			}
		}
		if next = page.NextToken; next == "" {
			return out
		}
	}
}

// ---------------------------------------------------------------- raw table

var (
	rawMu      sync.Mutex
	rawClients = map[*Runner]*dynamodb.Client{}
)

// rawDB is a DynamoDB client of the stack's backend, independent of the
// store, for asserting what the table holds.
func rawDB(t *testing.T, s stack) *dynamodb.Client {
	t.Helper()
	rawMu.Lock()
	defer rawMu.Unlock()
	if c, ok := rawClients[s.rn]; ok {
		return c
	}
	endpoint := s.rn.cfg.EndpointURL
	if endpoint == "" {
		endpoint = s.rn.edge.URL()
	}
	cfg, err := awsconf.Load(context.Background(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c := awsconf.DynamoDB(cfg)
	rawClients[s.rn] = c
	return c
}

// rawItem reads one item (consistently); nil when there is none.
func rawItem(t *testing.T, s stack, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	item, err := rawGet(rawDB(t, s), s, pk, sk)
	if err != nil {
		t.Fatal(err)
	}
	return item
}

// rawGet is rawItem for goroutines.
func rawGet(db *dynamodb.Client, s stack, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(s.rn.App().Store.Table()),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

func guardExists(t *testing.T, s stack, c citizen, serviceID string) bool {
	t.Helper()
	return rawItem(t, s, "GUARD#"+c.sub+"#"+serviceID, "GUARD") != nil
}

// tableCount counts every item of the table with a consistent Scan.
func tableCount(t *testing.T, s stack) int {
	t.Helper()
	return scanCount(t, s, &dynamodb.ScanInput{})
}

// bookingItemCount counts, with a consistent Scan, the items a booking
// creation writes: bookings, guards, codes and history entries.
func bookingItemCount(t *testing.T, s stack) int {
	t.Helper()
	return scanCount(t, s, &dynamodb.ScanInput{
		FilterExpression: aws.String("SK = :b OR SK = :g OR SK = :c OR begins_with(SK, :h)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":b": &types.AttributeValueMemberS{Value: "BOOKING"}, ":g": &types.AttributeValueMemberS{Value: "GUARD"},
			":c": &types.AttributeValueMemberS{Value: "CODE"}, ":h": &types.AttributeValueMemberS{Value: "HIST#"},
		},
	})
}

// scanCount counts the items in the table that in's filter keeps.
func scanCount(t *testing.T, s stack, in *dynamodb.ScanInput) int {
	t.Helper()
	in.TableName = aws.String(s.rn.App().Store.Table())
	in.Select = types.SelectCount
	in.ConsistentRead = aws.Bool(true)
	p := dynamodb.NewScanPaginator(rawDB(t, s), in)
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += int(page.Count)
	}
	return n
}
