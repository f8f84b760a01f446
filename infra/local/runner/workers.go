package runner

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/zapis/zapis/infra/local/invoke"
	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/pipeline"
)

// Workers maps each SQS-triggered function to its handler: the same method
// its functions/<name>/main.go starts.
var Workers = map[string]func(*pipeline.Worker) invoke.SQSHandler{
	"DocumentCheckFunction": func(w *pipeline.Worker) invoke.SQSHandler { return w.CheckDocuments },
	"ConfirmationFunction":  func(w *pipeline.Worker) invoke.SQSHandler { return w.Confirm },
}

// Scheduled maps each scheduled function to its handler.
var Scheduled = map[string]func(*pipeline.Worker) invoke.ScheduledHandler{
	"ExpirePendingFunction": func(w *pipeline.Worker) invoke.ScheduledHandler {
		return func(ctx context.Context, ev events.EventBridgeEvent) (any, error) { return w.ExpirePending(ctx, ev) }
	},
	"Remind24hFunction": func(w *pipeline.Worker) invoke.ScheduledHandler {
		return func(ctx context.Context, ev events.EventBridgeEvent) (any, error) { return w.Remind24h(ctx, ev) }
	},
	"Remind1hFunction": func(w *pipeline.Worker) invoke.ScheduledHandler {
		return func(ctx context.Context, ev events.EventBridgeEvent) (any, error) { return w.Remind1h(ctx, ev) }
	},
}

// ticketKey derives the local QR signing key from the development key, so
// a fixed ZAPIS_DEV_KEY keeps tickets valid across restarts.
func ticketKey(k devKey) []byte {
	h := sha256.Sum256(append([]byte("zapis ticket key|"), k...))
	return h[:]
}

// bindWorkers makes a poller per SQS event source and a schedule per
// Schedule event, and fails when the template and the code disagree.
func (rn *Runner) bindWorkers(fns []template.Function, w *pipeline.Worker) error {
	var problems []string
	used := map[string]bool{}
	rn.scheduler = invoke.NewScheduler(rn.log, rn.now)
	for _, fn := range fns {
		for _, q := range fn.Queues {
			mk, ok := Workers[fn.LogicalID]
			if !ok {
				problems = append(problems, fmt.Sprintf("function %s reads queue %s but has no worker registered", fn.LogicalID, q))
				continue
			}
			url, ok := rn.res.QueueURLs[q]
			if !ok {
				problems = append(problems, fmt.Sprintf("function %s reads queue %s, which was not created", fn.LogicalID, q))
				continue
			}
			used[fn.LogicalID] = true
			cfg := invoke.PollerConfig{
				Client: rn.sqs, QueueURL: url, QueueARN: rn.res.QueueARNs[q],
				Timeout: rn.timeout, RetryDelay: invoke.DefaultRetryDelay, Log: rn.log.With("function", fn.LogicalID),
			}
			if rn.edge == nil {
				// An outside endpoint may serve one request at a time
				// (moto_server in tests): short polls keep it free.
				cfg.IdleDelay = 250 * time.Millisecond
			}
			rn.pollers = append(rn.pollers, invoke.NewPoller(cfg, mk(w)))
		}
		for _, sc := range fn.Schedules {
			mk, ok := Scheduled[fn.LogicalID]
			if !ok {
				problems = append(problems, fmt.Sprintf("function %s has schedule %s but no handler registered", fn.LogicalID, sc.Name))
				continue
			}
			every, err := invoke.ParseRate(sc.Expression)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			used[fn.LogicalID] = true
			name := strings.TrimPrefix(fn.Folder, "functions/")
			arn := "arn:aws:events:us-east-1:000000000000:rule/zapis-" + fn.LogicalID + sc.Name
			if err := rn.scheduler.Add(name, every, arn, mk(w)); err != nil {
				problems = append(problems, err.Error())
			}
		}
	}
	for id := range Workers {
		if !used[id] {
			problems = append(problems, fmt.Sprintf("worker %s has no function with an SQS event in template.yaml", id))
		}
	}
	for id := range Scheduled {
		if !used[id] {
			problems = append(problems, fmt.Sprintf("scheduled handler %s has no function with a Schedule event in template.yaml", id))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("template and workers disagree:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
