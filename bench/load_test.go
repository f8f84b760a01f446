package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/zapis/zapis/shared/domain"
	"github.com/zapis/zapis/shared/pipeline"
	"github.com/zapis/zapis/shared/queue"
)

// loadClients and loadDuration shape the mixed load: 50 clients for 60 s
// (ZAPIS_LOAD_SECONDS shortens it for a quick look).
const loadClients = 50

var loadDuration = func() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("ZAPIS_LOAD_SECONDS")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 60 * time.Second
}()

// Prices used for the cost estimate: AWS public on-demand prices, us-east-1,
// as published on the AWS pricing pages in November 2025 (after the
// November 2024 DynamoDB on-demand price cut). Check them before relying on
// the result.
var prices = struct {
	DynamoWRUPerMillion, DynamoRRUPerMillion  float64 // on-demand write/read request units
	LambdaPerMillion, LambdaArmPerGBSecond    float64
	HTTPAPIPerMillion, SQSPerMillion          float64
	SNSPerMillion, S3PutPer1000, S3GetPer1000 float64
}{0.625, 0.125, 0.20, 0.0000133334, 1.00, 0.40, 0.50, 0.005, 0.0004}

// opCost is what one operation asks of AWS, counted at the SDK.
type opCost struct {
	Operation         string         `json:"operation"`
	Requests          int            `json:"requests"` // DynamoDB
	ByOp              map[string]int `json:"byOperation"`
	ItemsRead         int            `json:"itemsRead"`
	ItemsWritten      int            `json:"itemsWritten"`
	Other             map[string]int `json:"otherServices,omitempty"`
	CostPerMillionUSD float64        `json:"costPerMillionUSD"`
}

// billing says what, besides the counted calls, a million operations pay
// for: an HTTP API request, and SQS requests the event source mapping makes
// (receive and delete) for a message the function consumes.
type billing struct {
	api           bool
	sqsConsumed   int
	lambdaLatency time.Duration // one 256 MB arm64 invocation of this long
}

// costPerMillion prices one operation repeated a million times: DynamoDB
// (transactional writes cost 2 WRU an item, consistent reads 1 RRU, items
// assumed under 1 KB/4 KB), the SQS, SNS and S3 calls counted, one Lambda
// invocation, and the HTTP API request when it is one.
func costPerMillion(c meterSnapshot, bill billing) float64 {
	wru := float64(c.Written)
	if c.ByOp["TransactWriteItems"] > 0 {
		wru *= 2 // conservative: every written item counted transactional
	}
	rru := float64(c.Read)
	cost := wru*prices.DynamoWRUPerMillion + rru*prices.DynamoRRUPerMillion
	cost += prices.LambdaPerMillion + 1e6*0.25*bill.lambdaLatency.Seconds()*prices.LambdaArmPerGBSecond
	if bill.api {
		cost += prices.HTTPAPIPerMillion
	}
	cost += float64(c.Other["sqs:SendMessage"]+2*bill.sqsConsumed) * prices.SQSPerMillion
	cost += float64(c.Other["sns:Publish"]) * prices.SNSPerMillion
	cost += float64(c.Other["s3:PutObject"])*prices.S3PutPer1000*1000 + float64(c.Other["s3:GetObject"])*prices.S3GetPer1000*1000
	return cost
}

func newOpCost(name string, used meterSnapshot, bill billing) opCost {
	return opCost{Operation: name, Requests: used.Requests, ByOp: used.ByOp, ItemsRead: used.Read, ItemsWritten: used.Written,
		Other: used.Other, CostPerMillionUSD: costPerMillion(used, bill)}
}

// lifecycle follows one booking of a service without documents from the
// API call to its last reminder, metering each step: the booking request
// (which queues the confirmation), the confirmation worker (ticket to S3,
// booking_confirmed on every channel), and the 24 h and 1 h reminder runs
// at their instants. The last row is the whole life: every call counted
// from the first step to the last, priced as the sum of the steps.
func (s *stackUnderTest) lifecycle(b *testing.B, tok string) []opCost {
	ctx := context.Background()
	w := s.rn.Worker()
	sl, _, _ := s.slotFor(b, "inst-tax-msk-ifns7", "svc-tax-deduction", 1, 900*24*time.Hour+time.Duration(time.Now().UnixNano()%100000)*time.Minute)
	began := s.m.snapshot()
	var steps []opCost
	total := 0.0
	step := func(name string, bill billing, run func() error) {
		before := s.m.snapshot()
		t0 := time.Now()
		if err := run(); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		bill.lambdaLatency = time.Since(t0)
		c := newOpCost(name, s.m.snapshot().since(before), bill)
		steps = append(steps, c)
		total += c.CostPerMillionUSD
	}
	var id string
	step("booking (service without documents)", billing{api: true}, func() error {
		code, data, err := s.do(http.MethodPost, "/bookings", tok, map[string]string{"slotId": sl.ID})
		if err != nil || code != http.StatusCreated {
			return fmt.Errorf("%d %v %s", code, err, data)
		}
		var bk struct{ ID string }
		err = json.Unmarshal(data, &bk)
		id = bk.ID
		return err
	})
	step("confirmation (ticket, booking_confirmed)", billing{sqsConsumed: 1}, func() error {
		body, _ := json.Marshal(queue.Confirmation{BookingID: id})
		resp, _ := w.Confirm(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "bench-" + id, Body: string(body)}}})
		if len(resp.BatchItemFailures) > 0 {
			return fmt.Errorf("confirmation failed: %+v", resp)
		}
		bk, err := s.st.GetBooking(ctx, id)
		if err == nil && bk.Status != domain.StatusConfirmed {
			err = fmt.Errorf("booking %s is %s after the confirmation", id, bk.Status)
		}
		return err
	})
	for _, r := range []struct {
		name string
		lead time.Duration
		run  func(context.Context, events.EventBridgeEvent) (pipeline.ReminderSummary, error)
	}{{"reminder 24 h", 24 * time.Hour, w.Remind24h}, {"reminder 1 h", time.Hour, w.Remind1h}} {
		// A run for this booking alone: it carries the run's fixed cost
		// (a Query per hour bucket), which many reminders share in
		// production (see the due-scale section for the per-reminder share).
		step(r.name+" run, this booking alone (every channel)", billing{}, func() error {
			sum, err := r.run(ctx, events.EventBridgeEvent{Time: sl.Start.Add(-r.lead + time.Minute)})
			if err == nil && (sum.Due != 1 || sum.Sent == 0) {
				err = fmt.Errorf("%d due, %d sent: want this booking's reminder only", sum.Due, sum.Sent)
			}
			return err
		})
	}
	whole := newOpCost("a booking's whole life (the four steps above)", s.m.snapshot().since(began), billing{})
	whole.CostPerMillionUSD = total
	return append(steps, whole)
}

// BenchmarkMixedLoad runs 60 s of mixed traffic through the local API at 50
// concurrent clients — about 80 % slot listings, 15 % bookings, 5 %
// cancellations or reschedules — and reports throughput, error rate and
// latency; then it counts, one request at a time, what a booking and a
// slot listing ask of DynamoDB and prices a million of each.
func BenchmarkMixedLoad(b *testing.B) {
	for _, s := range stacks(b) {
		b.Run(s.name, func(b *testing.B) {
			ctx := context.Background()
			_ = ctx
			tokens := s.citizens(b, fmt.Sprintf("load-%s-%d", s.name, time.Now().UnixNano()), loadClients)
			// Each client books its own slots, so bookings contend only
			// where real citizens would: on the listing reads.
			type result struct {
				op     string
				status int
				d      time.Duration
			}
			var (
				mu      sync.Mutex
				results []result
				wg      sync.WaitGroup
			)
			deadline := time.Now().Add(loadDuration)
			for c, tok := range tokens {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(c), 7))
					var mine []string // this client's active bookings
					for i := 0; time.Now().Before(deadline); i++ {
						op, method, path, body := "list", http.MethodGet, "/institutions/inst-mfc-msk-tverskoy/slots?serviceId=svc-inn", any(nil)
						switch r := rng.IntN(100); {
						case r < 15:
							sl, _, _ := s.slot(b, 1, time.Duration(c*100000+i)*time.Minute)
							op, method, path, body = "book", http.MethodPost, "/bookings", map[string]string{"slotId": sl.ID}
						case r < 20 && len(mine) > 0:
							id := mine[len(mine)-1]
							mine = mine[:len(mine)-1]
							if r < 18 {
								op, method, path, body = "cancel", http.MethodPost, "/bookings/"+id+"/cancel", map[string]string{}
							} else {
								sl, _, _ := s.slot(b, 1, time.Duration(c*100000+i)*time.Minute+30*time.Second)
								op, method, path, body = "reschedule", http.MethodPost, "/bookings/"+id+"/reschedule", map[string]string{"slotId": sl.ID}
								mine = append(mine, id)
							}
						}
						t0 := time.Now()
						code, data, err := s.do(method, path, tok, body)
						d := time.Since(t0)
						if err != nil {
							code = -1
						}
						if op == "book" && code == http.StatusCreated {
							var bk struct{ ID string }
							_ = json.Unmarshal(data, &bk)
							// The guard allows one active booking per service:
							// cancel the previous one next time round.
							mine = append(mine, bk.ID)
						}
						mu.Lock()
						results = append(results, result{op, code, d})
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			byOp := map[string][]time.Duration{}
			var all []time.Duration
			errs, fivexx := 0, 0
			for _, r := range results {
				byOp[r.op] = append(byOp[r.op], r.d)
				all = append(all, r.d)
				switch {
				case r.status < 0 || r.status >= 500:
					fivexx++
					errs++
				case r.status >= 400 && r.status != http.StatusConflict:
					errs++ // 409 duplicate_booking is the rule working, not an error
				}
			}
			rps := float64(len(results)) / loadDuration.Seconds()
			summary := map[string]any{"clients": loadClients, "seconds": loadDuration.Seconds(), "requests": len(results),
				"throughputRps": rps, "errorRate": float64(errs) / float64(max(1, len(results))), "fiveXX": fivexx,
				"p50ms": ms(percentile(all, .5)), "p99ms": ms(percentile(all, .99))}
			for op, d := range byOp {
				summary[op+"Count"] = len(d)
				summary[op+"P50ms"] = ms(percentile(d, .5))
			}
			report.add("mixedLoad/"+s.name, summary)
			b.ReportMetric(rps, "req/s")
			b.ReportMetric(float64(fivexx), "5xx")
			b.Logf("%s: %d requests in %s (%.1f/s), errors %d, 5xx %d, p50 %.1f ms, p99 %.1f ms",
				s.name, len(results), loadDuration, rps, errs, fivexx, ms(percentile(all, .5)), ms(percentile(all, .99)))

			// One request at a time, to count what each operation costs.
			tok := tokens[0]
			measure := func(name, method, path string, body any, want int) opCost {
				before := s.m.snapshot()
				t0 := time.Now()
				code, data, err := s.do(method, path, tok, body)
				lat := time.Since(t0)
				if err != nil || code != want {
					b.Fatalf("%s: %d %v %s", name, code, err, data)
				}
				return newOpCost(name, s.m.snapshot().since(before), billing{api: true, lambdaLatency: lat})
			}
			other := s.citizens(b, fmt.Sprintf("cost-%s-%d", s.name, time.Now().UnixNano()), 1)[0]
			tok = other
			sl, _, _ := s.slot(b, 3, 999*24*time.Hour+time.Duration(time.Now().UnixNano()%10000)*time.Minute)
			costs := []opCost{
				measure("slot listing (1 day)", http.MethodGet, "/institutions/inst-mfc-msk-tverskoy/slots?serviceId=svc-inn", nil, http.StatusOK),
				measure("booking", http.MethodPost, "/bookings", map[string]string{"slotId": sl.ID}, http.StatusCreated),
			}
			life := s.lifecycle(b, other)
			costs = append(costs, life...)
			report.add("costPerOperation/"+s.name, costs)
			for _, c := range costs {
				b.Logf("%s: %s: %d DynamoDB requests %v, %d items read, %d written, other %v; ≈ $%.2f per million", s.name, c.Operation, c.Requests, c.ByOp, c.ItemsRead, c.ItemsWritten, c.Other, c.CostPerMillionUSD)
			}
			b.ReportMetric(life[len(life)-1].CostPerMillionUSD, "USD/million-bookings")
		})
	}
}
