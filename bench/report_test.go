package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zapis/zapis/bench/coldstart"
)

// benchReport gathers what every benchmark of one run measured, and is
// written at the end as JSON and Markdown (ZAPIS_BENCH_OUT, default
// bench/out/report.{json,md}): one report, one machine, one run.
type benchReport struct {
	mu       sync.Mutex
	Machine  map[string]string `json:"machine"`
	Started  time.Time         `json:"started"`
	Sections map[string]any    `json:"sections"`
	order    []string
}

var report = &benchReport{Sections: map[string]any{}}

func (r *benchReport) add(name string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.Sections[name]; !ok {
		r.order = append(r.order, name)
	}
	r.Sections[name] = v
}

func TestMain(m *testing.M) {
	report.Started = time.Now().UTC()
	report.Machine = machine()
	code := m.Run()
	if err := addColdStarts(os.Getenv("ZAPIS_COLDSTART_REPORT")); err != nil {
		fmt.Fprintln(os.Stderr, "cold starts:", err)
		code = 1
	}
	if len(report.Sections) > 0 {
		if err := report.write(); err != nil {
			fmt.Fprintln(os.Stderr, "write report:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func machine() map[string]string {
	m := map[string]string{"go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH, "cpus": fmt.Sprint(runtime.NumCPU())}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		first, _, _ := strings.Cut(string(b), "\n")
		m["memory"] = strings.Join(strings.Fields(strings.TrimPrefix(first, "MemTotal:")), " ")
	}
	m["embeddedDynamoDB"] = engine()
	return m
}

// patchedEngine reports whether this binary embeds the minidyn make bench
// patches (bench/minidyn/minidyn.patch, built with -tags minidynpatch).
func patchedEngine() bool { return minidynPatch != "" }

// engine names the embedded DynamoDB this binary was built with.
func engine() string {
	if patchedEngine() {
		return "minidyn v0.8.2 + " + minidynPatch
	}
	return "minidyn (stock)"
}

func (r *benchReport) write() error {
	out := os.Getenv("ZAPIS_BENCH_OUT")
	if out == "" {
		out = filepath.Join("out", "report")
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(out+".json", js, 0o644); err != nil {
		return err
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# Zapis benchmark report\n\n%s, %s CPUs (%s), %s, %s; embedded DynamoDB: %s; started %s.\n",
		r.Machine["cpu"], r.Machine["cpus"], r.Machine["arch"], r.Machine["memory"], r.Machine["go"], r.Machine["embeddedDynamoDB"], r.Started.Format(time.RFC3339))
	for _, name := range r.order {
		fmt.Fprintf(&md, "\n## %s\n\n%s", name, table(r.Sections[name]))
	}
	if err := os.WriteFile(out+".md", []byte(md.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchmark report: %s.json, %s.md\n", out, out)
	fmt.Fprint(os.Stderr, md.String())
	return nil
}

// table renders a slice of flat records (or one record) as Markdown.
func table(v any) string {
	js, _ := json.Marshal(v)
	var rows []map[string]any
	if json.Unmarshal(js, &rows) != nil {
		var one map[string]any
		if json.Unmarshal(js, &one) != nil {
			return "```\n" + string(js) + "\n```\n"
		}
		rows = []map[string]any{one}
	}
	if len(rows) == 0 {
		return "(none)\n"
	}
	cols := keyOrder(js)
	var b strings.Builder
	b.WriteString("| " + strings.Join(cols, " | ") + " |\n|" + strings.Repeat("---|", len(cols)) + "\n")
	for _, row := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = cell(row[c])
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}

func cell(v any) string {
	switch x := v.(type) {
	case float64:
		switch {
		case x == float64(int64(x)):
			return fmt.Sprint(int64(x))
		case math.Abs(x) >= 100:
			return fmt.Sprintf("%.0f", x)
		}
		return fmt.Sprintf("%.3g", x)
	case map[string]any, []any:
		js, _ := json.Marshal(x)
		return string(js)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// keyOrder returns the keys of the first object in js (an object or an
// array of objects) in the order they were written, so that columns follow
// the struct's fields rather than the alphabet.
func keyOrder(js []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(js))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				depth++
			default:
				depth--
				if depth <= 1 && len(keys) > 0 && t == '}' {
					return keys
				}
			}
		case string:
			// A key of the first object: objects are at depth 1 (one
			// record) or 2 (a list of records); values that are strings
			// are skipped by reading past them below.
			if depth == 1 && js[0] == '{' || depth == 2 && js[0] == '[' {
				keys = append(keys, t)
				if err := skipValue(dec); err != nil {
					return keys
				}
			}
		}
	}
}

// skipValue reads past the next value, however nested.
func skipValue(dec *json.Decoder) error {
	var v json.RawMessage
	return dec.Decode(&v)
}

// addColdStarts folds the cold-start run `make bench` does just before
// (bench/coldstart, its own package because it builds binaries) into the
// report, one row per function after the bare aws-lambda-go baseline.
func addColdStarts(path string) error {
	if path == "" || len(report.Sections) == 0 {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cs coldstart.Report
	if err := json.Unmarshal(data, &cs); err != nil {
		return err
	}
	type row struct {
		Function   string  `json:"function"`
		MedianMs   float64 `json:"medianMs"`
		InitMs     float64 `json:"initMedianMs"`
		InitMainMs float64 `json:"initInMainMs"`
		InitWork   string  `json:"initWork"`
		ShippedMiB float64 `json:"arm64MiB"`
		Status     string  `json:"firstStatus"`
	}
	mib := func(n int64) float64 { return math.Round(float64(n)/(1<<20)*10) / 10 }
	var rows []row
	for _, r := range append([]coldstart.Result{cs.Baseline}, cs.Functions...) {
		rows = append(rows, row{Function: r.Function, MedianMs: ms(r.Median), InitMs: ms(r.InitMedian), InitMainMs: ms(r.InitMainMedian),
			InitWork: strings.Join(r.InitBuilt, ", "), ShippedMiB: mib(r.ShippedBytes), Status: r.FirstStatus})
	}
	report.add("coldStarts", map[string]any{"startsPerFunction": cs.Starts, "loadAverage": cs.Machine.LoadAvg,
		"wallSeconds": math.Round(cs.WallTime.Seconds())})
	report.add("coldStarts/functions", rows)
	return nil
}
