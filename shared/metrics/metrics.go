// Package metrics emits CloudWatch metrics in the Embedded Metric Format:
// one JSON line on stdout per data point, which Lambda ships to CloudWatch
// Logs and CloudWatch turns into metrics, with no API call on the request
// path and no permission to grant.
package metrics

import (
	"encoding/json"
	"io"
	"os"
	"sync"
	"time"
)

// Namespace of every Zapis metric.
const Namespace = "Zapis"

// Metric names (alarms and dashboards refer to them).
const (
	BookingsCreated   = "BookingsCreated"
	SlotFull          = "SlotFull"
	Cancellations     = "Cancellations"
	DocumentsRejected = "DocumentsRejected"
	RemindersSent     = "RemindersSent"
	PublishFailures   = "PublishFailures"
)

var (
	mu  sync.Mutex
	out io.Writer = defaultWriter()
	fn            = os.Getenv("AWS_LAMBDA_FUNCTION_NAME")
	now           = time.Now
)

// defaultWriter is stdout inside Lambda, where stdout is the log stream;
// elsewhere nothing, unless ZAPIS_METRICS=stdout, so that tests and the
// local runner's output stay readable.
func defaultWriter() io.Writer {
	if os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" || os.Getenv("ZAPIS_METRICS") == "stdout" {
		return os.Stdout
	}
	return io.Discard
}

// SetOutput sends the metric lines to w (tests); it returns the previous one.
func SetOutput(w io.Writer) io.Writer {
	mu.Lock()
	defer mu.Unlock()
	prev := out
	out = w
	return prev
}

type directive struct {
	Timestamp         int64 `json:"Timestamp"`
	CloudWatchMetrics []struct {
		Namespace  string     `json:"Namespace"`
		Dimensions [][]string `json:"Dimensions"`
		Metrics    []metric   `json:"Metrics"`
	} `json:"CloudWatchMetrics"`
}

type metric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// Count records n occurrences of name twice over: by function, and (the
// empty dimension set) for the whole application, which is what the alarms
// watch: a publish failure in any function counts.
func Count(name string, n int) {
	if n <= 0 {
		return
	}
	var d directive
	d.Timestamp = now().UnixMilli()
	d.CloudWatchMetrics = append(d.CloudWatchMetrics, struct {
		Namespace  string     `json:"Namespace"`
		Dimensions [][]string `json:"Dimensions"`
		Metrics    []metric   `json:"Metrics"`
	}{Namespace, [][]string{{"Function"}, {}}, []metric{{name, "Count"}}})
	function := fn
	if function == "" {
		function = "local"
	}
	line, err := json.Marshal(map[string]any{"_aws": d, "Function": function, name: n})
	if err != nil {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	_, _ = out.Write(append(line, '\n'))
}
