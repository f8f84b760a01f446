package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zapis/zapis/infra/emulators"
	"github.com/zapis/zapis/infra/local/runner"
	"github.com/zapis/zapis/shared/awsconf"
	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/store"
)

// Sizes of one run. moto copies the whole table around every transaction
// item, so it gets fewer latency samples and a one-day seed.
const contendedSeats = 5

// contentionRounds is how many times the contention test is repeated, each
// with fresh citizens and a fresh slot.
const contentionRounds = 10

// contenders is 1,000 on the embedded engine. moto, serialised, answers
// about 15 requests a second: 1,000 clients outlast any sane timeout there,
// so it gets the 200 of the race test.
func contenders(backend string) int {
	if backend == "moto" {
		return 200
	}
	return 1000
}

func latencySamples(backend string) int {
	if backend == "moto" {
		return 60
	}
	return 300
}

// stacks starts the local stack on each backend available here.
func stacks(b *testing.B) []*stackUnderTest {
	b.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	// Timeout: 1,000 clients queue behind the emulator's global lock, each
	// booking a transaction that copies the table; the last of them can
	// wait past a function's 30 s (seen: 148 × 503 in a round), which
	// measures the emulator's queue, not the booking code.
	cfg := runner.Config{Addr: "127.0.0.1:0", TemplatePath: "../template.yaml", Seed: true, SeedDays: 2, Log: quiet, NoWorkers: true, Timeout: 5 * time.Minute}
	embMeter := newMeter()
	cfg.AWS = embMeter.install
	var out []*stackUnderTest
	emb, err := runner.Start(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(emb.Close)
	out = append(out, newStack(b, "embedded", emb))
	out[0].m = embMeter

	moto, err := emulators.StartMoto(ctx)
	switch {
	case errors.Is(err, emulators.ErrMotoNotInstalled):
		b.Log("moto_server not on PATH: benchmarking the embedded backend only")
	case err != nil:
		b.Fatal(err)
	default:
		b.Cleanup(func() { _ = moto.Close() })
		mcfg := cfg
		mcfg.EndpointURL = moto.URL()
		mcfg.SeedDays = 1
		// moto runs one request at a time (see emulators.serializedMoto):
		// 1,000 queued clients outlast a Lambda's usual timeout there.
		mcfg.Timeout = 5 * time.Minute
		motoMeter := newMeter()
		mcfg.AWS = motoMeter.install
		rn, err := runner.Start(ctx, mcfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(rn.Close)
		out = append(out, newStack(b, "moto", rn))
		out[len(out)-1].m = motoMeter
	}
	return out
}

type stackUnderTest struct {
	name   string
	rn     *runner.Runner
	st     *store.Store
	client *http.Client
	m      *meter // counts what the stack's own clients ask of DynamoDB
}

func newStack(b *testing.B, name string, rn *runner.Runner) *stackUnderTest {
	cfg, err := awsconf.Load(context.Background(), rn.Endpoint())
	if err != nil {
		b.Fatal(err)
	}
	return &stackUnderTest{
		name:   name,
		rn:     rn,
		st:     store.New(awsconf.DynamoDB(cfg), rn.App().Store.Table()),
		client: &http.Client{Timeout: 6 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 1000}},
	}
}

func (s *stackUnderTest) do(method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		buf, _ := json.Marshal(body)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, s.rn.URL()+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

var profile = map[string]any{
	"lastName": "Иванов", "firstName": "Иван", "birthDate": "1985-04-12", "snils": "112-233-445 95",
	"passport": map[string]string{"series": "4506", "number": "123456", "issuedAt": "2005-05-20", "issuedBy": "ОВД района Тверской", "divisionCode": "772-001"},
	"phone":    "+79123456789", "email": "ivanov@example.ru",
}

// citizens makes n citizens with complete profiles and returns their tokens.
func (s *stackUnderTest) citizens(b *testing.B, prefix string, n int) []string {
	tokens := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			code, data, err := s.do(http.MethodPost, "/_local/token", "", map[string]any{"sub": fmt.Sprintf("%s-%d", prefix, i), "groups": []string{"citizen"}})
			if err != nil || code != 200 {
				b.Errorf("token: %d %v %s", code, err, data)
				return
			}
			var tok struct{ Token string }
			_ = json.Unmarshal(data, &tok)
			if code, data, err := s.do(http.MethodPut, "/me/profile", tok.Token, profile); err != nil || code != 200 {
				b.Errorf("profile: %d %v %s", code, err, data)
				return
			}
			tokens[i] = tok.Token
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return tokens
}

// slot creates a bookable slot with capacity seats, days ahead, for a seeded
// service and institution, straight in the store.
func (s *stackUnderTest) slot(b *testing.B, capacity int, offset time.Duration) (domain.Slot, domain.Service, domain.Institution) {
	return s.slotFor(b, "inst-mfc-msk-tverskoy", "svc-inn", capacity, offset)
}

// slotFor is slot for another seeded institution and service.
func (s *stackUnderTest) slotFor(b *testing.B, instID, svcID string, capacity int, offset time.Duration) (domain.Slot, domain.Service, domain.Institution) {
	ctx := context.Background()
	inst, err := s.st.GetInstitution(ctx, instID)
	if err != nil {
		b.Fatal(err)
	}
	svc, err := s.st.GetService(ctx, svcID)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now().Add(30*24*time.Hour + offset).Truncate(time.Minute)
	sl := domain.SlotSpec{ServiceID: svc.ID, Start: start, End: start.Add(time.Minute), Capacity: capacity}.Slot(inst.ID)
	if _, err := s.st.CreateSlot(ctx, sl); err != nil {
		b.Fatal(err)
	}
	return sl, svc, inst
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkBookingLatency compares POST /bookings through the local API with
// a bare TransactWriteItems of the same items on the same backend, in one
// run: the ratio is what the API layer (HTTP, JWT, the adapter, the reads
// before the transaction) costs on top of the write itself.
func BenchmarkBookingLatency(b *testing.B) {
	for _, s := range stacks(b) {
		b.Run(s.name, func(b *testing.B) {
			for range b.N {
				n := latencySamples(s.name)
				tokens := s.citizens(b, fmt.Sprintf("lat-%s-%d", s.name, time.Now().UnixNano()), n)
				sl, svc, inst := s.slot(b, 2*n, time.Duration(time.Now().UnixNano()%1000)*time.Minute)

				// API and bare samples alternate, so both see the same table
				// size and the same machine load.
				api := make([]time.Duration, 0, n)
				bare := make([]time.Duration, 0, n)
				ctx := context.Background()
				for i, tok := range tokens {
					t0 := time.Now()
					code, data, err := s.do(http.MethodPost, "/bookings", tok, map[string]string{"slotId": sl.ID})
					api = append(api, time.Since(t0))
					if err != nil || code != http.StatusCreated {
						b.Fatalf("booking: %d %v %s", code, err, data)
					}

					bk, err := domain.NewBooking(store.NewBookingID(), domain.NewCode(), fmt.Sprintf("bare-%d-%d", time.Now().UnixNano(), i), "Иванов Иван", svc, inst, sl, time.Now())
					if err != nil {
						b.Fatal(err)
					}
					in, err := s.st.BookingTransaction(bk, nil)
					if err != nil {
						b.Fatal(err)
					}
					t0 = time.Now()
					_, err = s.st.DynamoDB().TransactWriteItems(ctx, in)
					bare = append(bare, time.Since(t0))
					if err != nil {
						b.Fatal(err)
					}
				}
				apiP50, apiP99 := percentile(api, .50), percentile(api, .99)
				bareP50, bareP99 := percentile(bare, .50), percentile(bare, .99)
				b.ReportMetric(ms(apiP50), "api-p50-ms")
				b.ReportMetric(ms(apiP99), "api-p99-ms")
				b.ReportMetric(ms(bareP50), "bare-p50-ms")
				b.ReportMetric(ms(bareP99), "bare-p99-ms")
				b.ReportMetric(float64(apiP50)/float64(bareP50), "p50-ratio")
				b.ReportMetric(float64(apiP99)/float64(bareP99), "p99-ratio")
				report.add("bookingLatency/"+s.name, map[string]any{"samples": len(api), "apiP50ms": ms(apiP50), "apiP99ms": ms(apiP99),
					"bareP50ms": ms(bareP50), "bareP99ms": ms(bareP99), "ratioP50": float64(apiP50) / float64(bareP50), "ratioP99": float64(apiP99) / float64(bareP99)})
				fmt.Fprintf(os.Stdout, "| %s | booking via API | %d | %.2f | %.2f |\n| %s | bare TransactWriteItems | %d | %.2f | %.2f |\n| %s | ratio API / bare | | %.1f× | %.1f× |\n",
					s.name, len(api), ms(apiP50), ms(apiP99), s.name, len(bare), ms(bareP50), ms(bareP99), s.name,
					float64(apiP50)/float64(bareP50), float64(apiP99)/float64(bareP99))
			}
		})
	}
}

// contentionRound is one row of the contention section.
type contentionRound struct {
	Round    int     `json:"round"`
	Clients  int     `json:"clients"`
	Seats    int     `json:"seats"`
	Winners  int     `json:"winners"`
	SlotFull int     `json:"slotFull409"`
	FiveXX   int     `json:"fiveXX"`
	Booked   int     `json:"bookedInTable"`
	P50ms    float64 `json:"p50ms"`
	P99ms    float64 `json:"p99ms"`
	WallS    float64 `json:"wallSeconds"`
}

// BenchmarkContention sends 1,000 concurrent citizens (200 on moto) at one
// slot of 5 seats: exactly 5 must win, the rest get 409 slot_full, none a
// 5xx.
func BenchmarkContention(b *testing.B) {
	for _, s := range stacks(b) {
		b.Run(s.name, func(b *testing.B) {
			// The same citizens every round: the winners cancel after it
			// (one active booking per service), so that the table, which
			// both emulators copy on every transaction, does not grow by a
			// thousand profiles a round.
			n := contenders(s.name)
			tokens := s.citizens(b, fmt.Sprintf("con-%s-%d", s.name, time.Now().UnixNano()), n)
			var rounds []contentionRound
			for round := range contentionRounds {
				sl, _, _ := s.slot(b, contendedSeats, time.Duration(time.Now().UnixNano()%1000)*time.Minute+time.Hour)
				var (
					mu       sync.Mutex
					statuses = map[int]int{}
					codes    = map[string]int{}
					lat      []time.Duration
					winners  = map[string]string{} // booking id → token
					wg       sync.WaitGroup
				)
				startGun := make(chan struct{})
				for _, tok := range tokens {
					wg.Go(func() {
						<-startGun
						t0 := time.Now()
						code, data, err := s.do(http.MethodPost, "/bookings", tok, map[string]string{"slotId": sl.ID})
						d := time.Since(t0)
						var p struct{ Code, ID string }
						_ = json.Unmarshal(data, &p)
						mu.Lock()
						defer mu.Unlock()
						if err != nil {
							statuses[-1]++
							return
						}
						statuses[code]++
						codes[p.Code]++
						lat = append(lat, d)
						if code == http.StatusCreated {
							winners[p.ID] = tok
						}
					})
				}
				t0 := time.Now()
				close(startGun)
				wg.Wait()
				wall := time.Since(t0)
				got, err := s.st.GetSlot(context.Background(), sl.ID)
				if err != nil {
					b.Fatal(err)
				}
				fivexx := 0
				for st, n := range statuses {
					if st >= 500 || st < 0 {
						fivexx += n
					}
				}
				b.ReportMetric(float64(statuses[http.StatusCreated]), "winners")
				b.ReportMetric(float64(codes["slot_full"]), "slot_full")
				b.ReportMetric(float64(fivexx), "5xx")
				b.ReportMetric(ms(percentile(lat, .99)), "p99-ms")
				rounds = append(rounds, contentionRound{Round: round + 1, Clients: n, Seats: contendedSeats, Winners: statuses[http.StatusCreated],
					SlotFull: codes["slot_full"], FiveXX: fivexx, Booked: got.Booked, P50ms: ms(percentile(lat, .5)),
					P99ms: ms(percentile(lat, .99)), WallS: math.Round(wall.Seconds()*100) / 100})
				report.add("contention/"+s.name, rounds)
				fmt.Fprintf(os.Stdout, "| %s | %d clients, %d seats | winners %d | 409 slot_full %d | 5xx/errors %d | booked %d | p50 %.1f ms | p99 %.1f ms | wall %.2f s |\n",
					s.name, n, contendedSeats, statuses[http.StatusCreated], codes["slot_full"], fivexx, got.Booked,
					ms(percentile(lat, .5)), ms(percentile(lat, .99)), wall.Seconds())
				if statuses[http.StatusCreated] != contendedSeats || got.Booked != contendedSeats || fivexx != 0 {
					b.Fatalf("contention broke the invariant: %v %v booked %d", statuses, codes, got.Booked)
				}
				for id, tok := range winners {
					if code, data, err := s.do(http.MethodPost, "/bookings/"+id+"/cancel", tok, map[string]string{}); err != nil || code != http.StatusOK {
						b.Fatalf("cancel winner %s: %d %v %s", id, code, err, data)
					}
				}
			}
		})
	}
}
