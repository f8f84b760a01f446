package emulators

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Admiral-Piett/goaws/app/gosqs"
	"github.com/Admiral-Piett/goaws/app/models"
	"github.com/Admiral-Piett/goaws/app/router"
)

// goawsExclusive lists the goaws actions that change its queue or topic
// maps (or subscription fields) while other handlers read them without a
// lock; the edge runs them alone.
var goawsExclusive = map[string]bool{
	"CreateQueue": true, "DeleteQueue": true, "SetQueueAttributes": true, "PurgeQueue": true,
	"CreateTopic": true, "DeleteTopic": true, "Subscribe": true, "Unsubscribe": true,
	"SetSubscriptionAttributes": true, "ConfirmSubscription": true,
}

// goawsPollInterval is how often a long poll looks for messages, and how
// often goaws' periodic task returns messages whose visibility timed out.
const goawsPollInterval = 100 * time.Millisecond

// goawsFront serves SQS and SNS through goaws' router.
type goawsFront struct {
	mu      sync.RWMutex
	router  http.Handler
	quit    chan bool
	done    chan struct{}
	closing chan struct{}
	// goaws builds queue URLs as http://<region>.<host>:<port>/…, which
	// does not resolve; the edge rewrites them to point at itself.
	badURL, goodURL []byte
}

// startGoaws configures goaws' process-global environment for the edge at
// host:port, clears its state and starts its periodic task (visibility
// timeouts, redrive to DLQs, FIFO deduplication windows).
func startGoaws(host, port string) *goawsFront {
	models.ResetResources()
	models.CurrentEnvironment = models.Environment{
		Host:             host,
		Port:             port,
		Region:           Region,
		AccountID:        AccountID,
		EnableDuplicates: true, // FIFO deduplication, as in AWS
		QueueAttributeDefaults: models.EnvQueueAttributes{
			VisibilityTimeout:      30,
			MaximumMessageSize:     262144,
			MessageRetentionPeriod: 345600,
		},
	}
	models.LogMessages = false

	g := &goawsFront{
		router:  router.New(),
		quit:    make(chan bool),
		done:    make(chan struct{}),
		closing: make(chan struct{}),
		badURL:  []byte("http://" + Region + "." + host + ":" + port + "/"),
		goodURL: []byte("http://" + host + ":" + port + "/"),
	}
	go func() {
		gosqs.PeriodicTasks(goawsPollInterval, g.quit)
		close(g.done)
	}()
	return g
}

func (g *goawsFront) stop() {
	close(g.closing)
	close(g.quit)
	<-g.done
}

func (g *goawsFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	isJSON := r.Header.Get("Content-Type") == "application/x-amz-json-1.0"
	var action string
	if isJSON {
		_, action, _ = strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		if action == "" {
			// goaws would panic on a JSON request without a target.
			http.Error(w, "zapis edge: X-Amz-Target missing", http.StatusBadRequest)
			return
		}
	} else {
		form, _ := url.ParseQuery(string(body))
		action = form.Get("Action")
	}

	if isJSON && action == "ReceiveMessage" {
		g.receive(w, r, body)
		return
	}
	rec := g.call(r, body, goawsExclusive[action])
	g.write(w, rec, rec.body.Bytes(), isJSON)
}

func (g *goawsFront) call(r *http.Request, body []byte, exclusive bool) *recorder {
	if exclusive {
		g.mu.Lock()
		defer g.mu.Unlock()
	} else {
		g.mu.RLock()
		defer g.mu.RUnlock()
	}
	rec := newRecorder()
	g.router.ServeHTTP(rec, replayRequest(r, body))
	return rec
}

func (g *goawsFront) write(w http.ResponseWriter, rec *recorder, body []byte, isJSON bool) {
	body = bytes.ReplaceAll(body, g.badURL, g.goodURL)
	if isJSON && rec.status >= 400 {
		body = sqsJSONError(rec, body)
	}
	rec.writeTo(w, body)
}

// receive emulates long polling: goaws would hold its lock-free read of the
// queue map (and the edge's read lock) for the whole wait, so the edge polls
// with short receives instead and waits between them holding no lock.
func (g *goawsFront) receive(w http.ResponseWriter, r *http.Request, body []byte) {
	var in map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		rec := g.call(r, body, false)
		g.write(w, rec, rec.body.Bytes(), true)
		return
	}
	queue := queueName(in["QueueUrl"])
	var wait int64
	if n, ok := in["WaitTimeSeconds"].(json.Number); ok {
		wait, _ = n.Int64()
	} else {
		wait = int64(queueWaitSeconds(queue))
	}
	in["WaitTimeSeconds"] = -1 // goaws: negative means no wait; 0 means the queue default
	short, _ := json.Marshal(in)
	deadline := time.Now().Add(time.Duration(wait) * time.Second)

	for {
		rec := g.call(r, short, false)
		n, out := fixReceived(rec.body.Bytes(), queue)
		if rec.status != http.StatusOK || n > 0 || !time.Now().Before(deadline) {
			g.write(w, rec, out, true)
			return
		}
		t := time.NewTimer(goawsPollInterval)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			g.write(w, rec, out, true)
			return
		case <-g.closing:
			t.Stop()
			g.write(w, rec, out, true)
			return
		}
	}
}

func queueName(v any) string {
	s, _ := v.(string)
	return s[strings.LastIndex(s, "/")+1:]
}

func queueWaitSeconds(name string) int {
	models.SyncQueues.RLock()
	defer models.SyncQueues.RUnlock()
	if q, ok := models.SyncQueues.Queues[name]; ok {
		return q.ReceiveMessageWaitTimeSeconds
	}
	return 0
}

// fixReceived counts the received messages and sets their
// ApproximateReceiveCount, which goaws never increments, from the count of
// times each message became visible again.
func fixReceived(body []byte, queue string) (int, []byte) {
	var res struct {
		Messages []map[string]any
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil || len(res.Messages) == 0 {
		return 0, body
	}
	models.SyncQueues.RLock()
	if q, ok := models.SyncQueues.Queues[queue]; ok {
		retries := make(map[string]int, len(q.Messages))
		for _, m := range q.Messages {
			if m.ReceiptHandle != "" {
				retries[m.ReceiptHandle] = m.Retry
			}
		}
		for _, m := range res.Messages {
			handle, _ := m["ReceiptHandle"].(string)
			attrs, _ := m["Attributes"].(map[string]any)
			if n, ok := retries[handle]; ok && attrs != nil {
				attrs["ApproximateReceiveCount"] = strconv.Itoa(n + 1)
			}
		}
	}
	models.SyncQueues.RUnlock()

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		return len(res.Messages), body
	}
	return len(res.Messages), buf.Bytes()
}

// sqsJSONError turns goaws' JSON error ({"Type","Code","Message"}) into the
// shape the SDK decodes into typed errors (QueueDoesNotExist, …).
func sqsJSONError(rec *recorder, body []byte) []byte {
	var e struct{ Type, Code, Message string }
	if err := json.Unmarshal(body, &e); err != nil || e.Code == "" {
		return body
	}
	typ, query := strings.TrimPrefix(e.Code, "AWS.SimpleQueueService."), e.Code
	switch {
	case typ == "NonExistentQueue":
		typ = "QueueDoesNotExist"
	case typ == "QueueExists" && e.Type == "Not Found": // goaws' "MessageDoesNotExist"
		typ, query = "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid"
	case typ == "QueueExists":
		typ, query = "QueueNameExists", "QueueAlreadyExists"
	case typ == "MessageNotInFlight":
		typ, query = "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight"
	}
	rec.header.Set("X-Amzn-Query-Error", query+";Sender")
	rec.header.Set("Content-Type", "application/x-amz-json-1.0")
	if rec.status == http.StatusNotFound {
		rec.status = http.StatusBadRequest
	}
	out, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.sqs#" + typ, "message": e.Message})
	return out
}
