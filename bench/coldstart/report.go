package coldstart

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// Report is what a run writes as JSON.
type Report struct {
	Machine   Machine       `json:"machine"`
	WallTime  time.Duration `json:"wallTimeNs"` // edge, provisioning, builds and every start
	Phases    Phases        `json:"phases"`
	Starts    int           `json:"startsPerFunction"`
	Baseline  Result        `json:"baseline"` // a bare aws-lambda-go echo function: the floor under every row
	Functions []Result      `json:"functions"`
}

// Phases split the wall time.
type Phases struct {
	Stack        time.Duration `json:"stackNs"`        // embedded edge and provisioning
	BuildHost    time.Duration `json:"buildHostNs"`    // the measured binaries
	BuildShipped time.Duration `json:"buildShippedNs"` // linux/arm64, for sizes only
	Measure      time.Duration `json:"measureNs"`      // every cold start
}

// Machine describes where the numbers come from.
type Machine struct {
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	NumCPU    int    `json:"numCPU"`
	CPU       string `json:"cpu,omitempty"` // /proc/cpuinfo model name
	GoVersion string `json:"goVersion"`
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute load when the starts
	// began: cold starts are CPU-bound, so a busy machine inflates them.
	LoadAvg string `json:"loadAvg,omitempty"`
}

// ThisMachine describes the machine the harness runs on.
func ThisMachine() Machine {
	m := Machine{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, NumCPU: runtime.NumCPU(), GoVersion: runtime.Version()}
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(load)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(info)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// WriteTable writes results as a Markdown table.
func WriteTable(w io.Writer, results []Result) error {
	var b strings.Builder
	b.WriteString("| Function | Binary (host) | Binary (linux/arm64) | Median ms | Init median ms | Init in main ms | Init work | First status |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|---|---|\n")
	for _, r := range results {
		main := "–"
		if len(r.InitBuilt) > 0 {
			main = fmt.Sprintf("%.2f", float64(r.InitMainMedian)/float64(time.Millisecond))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Function, mib(r.BinaryBytes), mib(r.ShippedBytes),
			ms(r.Median), ms(r.InitMedian), main, strings.Join(r.InitBuilt, ", "), strings.ReplaceAll(r.FirstStatus, "|", `\|`))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mib(n int64) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func ms(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond))
}
