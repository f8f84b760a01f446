package coldstart

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zapis/zapis/infra/emulators"
	"github.com/zapis/zapis/infra/provision"
	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/awsconf"
)

const (
	repoRoot = "../.."
	// startsPerFunction is the sample size behind each median.
	startsPerFunction = 10
)

// TestColdStarts builds and cold-starts every function of the template and
// fails if one does not answer its sample event. It takes a while, so it
// only runs with ZAPIS_COLDSTART=1.
func TestColdStarts(t *testing.T) {
	if os.Getenv("ZAPIS_COLDSTART") != "1" {
		t.Skip("set ZAPIS_COLDSTART=1 to build and cold-start every function")
	}
	runAll(t)
}

// BenchmarkColdStart does the whole run once, whatever b.N (builds and
// starts dwarf any loop), and reports each function's median in ms.
func BenchmarkColdStart(b *testing.B) {
	rep := runAll(b)
	for _, r := range rep.Functions {
		if r.Median > 0 {
			b.ReportMetric(float64(r.Median)/float64(time.Millisecond), r.Function+"-ms")
		}
	}
	b.ReportMetric(rep.WallTime.Seconds(), "wall-s")
}

// runAll starts the embedded edge, creates the template's resources on it,
// builds every function and measures each on its sample event with the
// environment the template gives it. It prints a Markdown table and writes
// the JSON report to $ZAPIS_COLDSTART_OUT when set.
func runAll(tb testing.TB) Report {
	began := time.Now()
	ctx := tb.Context()
	var rep Report
	mark := began
	lap := func(phase *time.Duration) { // the time since the last lap
		now := time.Now()
		*phase, mark = now.Sub(mark), now
	}
	tpl, err := template.Load(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	resources, err := tpl.Resources(template.LocalNames)
	if err != nil {
		tb.Fatal(err)
	}
	edge, err := emulators.Start("")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = edge.Close() })
	cfg, err := awsconf.Load(ctx, edge.URL())
	if err != nil {
		tb.Fatal(err)
	}
	prov, err := provision.Apply(ctx, cfg, resources)
	if err != nil {
		tb.Fatal(err)
	}
	lap(&rep.Phases.Stack)

	dir := tb.TempDir()
	// A function that does not build is reported and shown as "not built";
	// the others are still measured.
	bins, err := Build(ctx, repoRoot, filepath.Join(dir, "host"))
	if err != nil {
		tb.Error(err)
	}
	probe := buildProbe(tb, dir)
	lap(&rep.Phases.BuildHost)
	shipped := shippedSizes(ctx, tb, bins, filepath.Join(dir, "linux-arm64"))
	lap(&rep.Phases.BuildShipped)

	rep.Machine, rep.Starts = ThisMachine(), startsPerFunction
	// The floor: Go runtime, aws-lambda-go and the Runtime API round trip,
	// without the SDK or the application.
	rep.Baseline, err = Measure(ctx, probe, []byte(`{}`), nil, startsPerFunction)
	if err != nil {
		tb.Fatal(err)
	}
	rep.Baseline.Function = "baseline: aws-lambda-go echo"
	stack := Stack{Template: tpl, Names: template.LocalNames, Provisioned: prov, Endpoint: edge.URL()}
	for _, fn := range tpl.Functions() {
		r, err := measureFunction(ctx, stack, fn, bins[fn.LogicalID])
		r.ShippedBytes = shipped[fn.LogicalID]
		if err != nil {
			tb.Error(err)
		}
		rep.Functions = append(rep.Functions, r)
	}
	lap(&rep.Phases.Measure)
	rep.WallTime = time.Since(began)

	m, p := rep.Machine, rep.Phases
	fmt.Printf("\nCold starts on %s/%s, %d CPUs (%s), %s, load average %s; median of %d starts.\n"+
		"Wall time %.1f s: stack %.1f s, host build %.1f s, linux/arm64 build %.1f s, starts %.1f s.\n\n",
		m.GOOS, m.GOARCH, m.NumCPU, m.CPU, m.GoVersion, m.LoadAvg, rep.Starts, rep.WallTime.Seconds(),
		p.Stack.Seconds(), p.BuildHost.Seconds(), p.BuildShipped.Seconds(), p.Measure.Seconds())
	if err := WriteTable(os.Stdout, append([]Result{rep.Baseline}, rep.Functions...)); err != nil {
		tb.Error(err)
	}
	if out := os.Getenv("ZAPIS_COLDSTART_OUT"); out != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err == nil {
			err = os.WriteFile(out, append(data, '\n'), 0o644)
		}
		if err != nil {
			tb.Errorf("write %s: %v", out, err)
		}
	}
	return rep
}

// measureFunction cold-starts one function on events/<folder>.json. The
// Result names the function even when it could not be measured, so that
// the table shows every function of the template.
func measureFunction(ctx context.Context, stack Stack, fn template.Function, bin string) (Result, error) {
	fail := func(status string, err error) (Result, error) {
		return Result{Function: fn.LogicalID, FirstStatus: status}, fmt.Errorf("%s: %w", fn.LogicalID, err)
	}
	if bin == "" {
		return fail("not built", errors.New("no bootstrap (added to the template after the build?)"))
	}
	event, err := os.ReadFile(filepath.Join(repoRoot, "events", path.Base(fn.Folder)+".json"))
	if err != nil {
		return fail("no sample event", err)
	}
	if err := CheckEvent(fn, event); err != nil {
		return fail("wrong sample event", err)
	}
	env, err := stack.Env(fn)
	if err != nil {
		return fail("no environment", err)
	}
	r, err := Measure(ctx, bin, event, env, startsPerFunction)
	r.Function = fn.LogicalID
	r.InitWork = "env: " + strings.Join(StackVars(fn, env), ", ")
	return r, err
}

// buildProbe builds the probe of the unit test (a bare aws-lambda-go
// function) with the functions' flags and returns its path.
func buildProbe(tb testing.TB, dir string) string {
	tb.Helper()
	src := filepath.Join(dir, "probe", "main.go")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(src, []byte(probe), 0o644); err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(dir, "probe", "ProbeFunction", "bootstrap")
	if err := buildOne(tb.Context(), repoRoot, src, bin, runtime.GOOS, runtime.GOARCH); err != nil {
		tb.Fatal(err)
	}
	return bin
}

// shippedSizes returns the size of each linux/arm64 bootstrap, the one that
// ships: the host binaries when the host is linux/arm64, else a second build.
func shippedSizes(ctx context.Context, tb testing.TB, hostBins map[string]string, dir string) map[string]int64 {
	bins := hostBins
	if runtime.GOOS != "linux" || runtime.GOARCH != "arm64" {
		var err error
		if bins, err = BuildFor(ctx, repoRoot, dir, "linux", "arm64"); err != nil {
			tb.Error(err)
		}
	}
	sizes := map[string]int64{}
	for id, bin := range bins {
		st, err := os.Stat(bin)
		if err != nil {
			tb.Fatal(err)
		}
		sizes[id] = st.Size()
	}
	return sizes
}
