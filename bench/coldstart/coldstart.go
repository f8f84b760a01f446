// Package coldstart measures Lambda cold starts on a developer machine. It
// builds every function of template.yaml the way the Makefile does, then
// starts each bootstrap against a minimal Lambda Runtime API served here and
// times exec → first answer (the /response or /error POST of the first
// invocation), which is what a cold invocation costs in Lambda minus the
// sandbox and download time that only AWS can add.
package coldstart

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zapis/zapis/infra/template"
)

// Result is the measurement of one function.
type Result struct {
	Function     string `json:"function"`
	BinaryBytes  int64  `json:"binaryBytes"`            // the measured (host-arch) bootstrap
	ShippedBytes int64  `json:"shippedBytes,omitempty"` // the linux/arm64 bootstrap that ships; 0 when not built
	InitWork     string `json:"initWork,omitempty"`     // optional, filled by the caller
	// InitBuilt and InitMainMedian come from the function's own "init" log
	// line (shared/deps): what main built and how long that took in the
	// process; the rest of InitMedian is the Go runtime, package init and
	// the first /next round trip.
	InitBuilt      []string        `json:"initBuilt,omitempty"`
	InitMainMedian time.Duration   `json:"initMainMedianNs,omitempty"`
	Samples        []time.Duration `json:"samplesNs"` // exec → first /response or /error POST
	Median         time.Duration   `json:"medianNs"`
	InitSamples    []time.Duration `json:"initSamplesNs"` // exec → first GET …/invocation/next (Lambda's "Init Duration")
	InitMedian     time.Duration   `json:"initMedianNs"`
	FirstStatus    string          `json:"firstStatus"` // "response", "response 404", "error: <errorType>", or why no answer came
	FirstBody      []byte          `json:"-"`           // payload of the first start's answer
}

// BuildFlags are the Makefile's `go build` flags for a Lambda bootstrap
// (with CGO_ENABLED=0 in the environment).
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

// StartTimeout bounds one cold start: exec to the first answer.
const StartTimeout = 30 * time.Second

// Build builds every function of repoRoot/template.yaml for the host
// (runtime.GOOS/GOARCH, so that it can run here) into
// dir/<LogicalId>/bootstrap, and returns the paths by logical id.
func Build(ctx context.Context, repoRoot, dir string) (map[string]string, error) {
	return BuildFor(ctx, repoRoot, dir, runtime.GOOS, runtime.GOARCH)
}

// BuildFor is Build for another platform: linux/arm64 gives the size of what
// ships. Builds run in parallel, at most GOMAXPROCS at a time; the function
// list comes from the template, so new functions are picked up.
func BuildFor(ctx context.Context, repoRoot, dir, goos, goarch string) (map[string]string, error) {
	tpl, err := template.Load(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		return nil, err
	}
	// go build runs in repoRoot, so -o must not be relative to the caller.
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		errs  []error
		paths = map[string]string{}
		slots = make(chan struct{}, runtime.GOMAXPROCS(0))
	)
	for _, fn := range tpl.Functions() {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			out := filepath.Join(dir, fn.LogicalID, "bootstrap")
			err := buildOne(ctx, repoRoot, "./"+fn.Folder, out, goos, goarch)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("build %s: %w", fn.LogicalID, err))
				return
			}
			paths[fn.LogicalID] = out
		})
	}
	wg.Wait()
	return paths, errors.Join(errs...)
}

// buildOne runs `go build` for one main package (a directory or .go files
// relative to workDir) with the Makefile's flags.
func buildOne(ctx context.Context, workDir, pkg, out, goos, goarch string) error {
	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = workDir
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w\n%s", err, msg)
	}
	return nil
}

// Measure cold-starts bin n times, one after the other, each against a fresh
// Runtime API that hands out event once, and kills the process after its
// first answer. env is added to the variables Lambda itself sets (and may
// override them). A start that ends without an answer (the process exits,
// posts an init error, or hangs) ends the measurement with an error; the
// Result then holds the samples so far and, if it was the first start, the
// reason in FirstStatus.
func Measure(ctx context.Context, bin string, event []byte, env map[string]string, n int) (Result, error) {
	if n < 1 {
		return Result{}, fmt.Errorf("coldstart: n = %d, want at least 1", n)
	}
	st, err := os.Stat(bin)
	if err != nil {
		return Result{}, err
	}
	name := env["AWS_LAMBDA_FUNCTION_NAME"]
	if name == "" {
		name = filepath.Base(filepath.Dir(bin)) // dir/<LogicalId>/bootstrap
	}
	res := Result{Function: name, BinaryBytes: st.Size()}
	vars := lambdaEnv(name, filepath.Dir(bin), env)
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", vars["AWS_REGION"], template.LocalNames.AccountID, name)
	procEnv := environ(vars)
	var mainInit []time.Duration
	for i := range n {
		s, err := coldStart(ctx, bin, event, arn, procEnv)
		if i == 0 {
			res.FirstStatus, res.FirstBody = s.status, s.body
		}
		if err != nil {
			return res, fmt.Errorf("%s: start %d of %d: %w", name, i+1, n, err)
		}
		res.Samples = append(res.Samples, s.answer)
		res.InitSamples = append(res.InitSamples, s.init)
		if built, d, ok := initLine(s.output); ok {
			res.InitBuilt = built
			mainInit = append(mainInit, d)
		}
	}
	res.Median, res.InitMedian, res.InitMainMedian = Median(res.Samples), Median(res.InitSamples), Median(mainInit)
	return res, nil
}

// initLine finds the JSON "init" record shared/deps logs and returns what
// it built and how long that took.
func initLine(output string) ([]string, time.Duration, bool) {
	for line := range strings.Lines(output) {
		var rec struct {
			Msg    string   `json:"msg"`
			Built  []string `json:"built"`
			InitMs float64  `json:"initMs"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "init" && len(rec.Built) > 0 {
			return rec.Built, time.Duration(rec.InitMs * float64(time.Millisecond)), true
		}
	}
	return nil, 0, false
}

// Median returns the middle of ds (the mean of the two middle ones for an
// even count), 0 for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	m := len(s) / 2
	if len(s)%2 == 0 {
		return (s[m-1] + s[m]) / 2
	}
	return s[m]
}

// lambdaEnv is the process environment: what Lambda sets for a
// provided.al2023 function, fake credentials, then env. Nothing is inherited
// from this process, as in Lambda (and so ~/.aws is not read).
func lambdaEnv(name, taskRoot string, env map[string]string) map[string]string {
	region := template.LocalNames.Region
	vars := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "coldstart",
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"AWS_ACCESS_KEY_ID":               "test",
		"AWS_SECRET_ACCESS_KEY":           "test",
		"AWS_SESSION_TOKEN":               "test",
		"LAMBDA_TASK_ROOT":                taskRoot,
		"_HANDLER":                        "bootstrap",
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"TZ":                              ":UTC",
	}
	maps.Copy(vars, env)
	return vars
}

// environ flattens vars into KEY=value pairs, sorted.
func environ(vars map[string]string) []string {
	out := make([]string, 0, len(vars))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		out = append(out, k+"="+vars[k])
	}
	return out
}

// start is one cold start.
type start struct {
	output string        // the process's stdout and stderr (last 4 KiB)
	init   time.Duration // exec → first GET next
	answer time.Duration // exec → first /response or /error POST
	status string
	body   []byte
}

// coldStart runs bin once against a fresh Runtime API on a free loopback
// port and returns when the first invocation is answered.
func coldStart(ctx context.Context, bin string, event []byte, arn string, env []string) (start, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return start{}, err
	}
	api := newRuntimeAPI(event, arn)
	srv := &http.Server{Handler: api.mux(), ReadHeaderTimeout: StartTimeout}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		api.stop()
		_ = srv.Close()
	}()

	out := &tail{max: 4 << 10}
	cmd := exec.Command(bin)
	cmd.Env = append(slices.Clip(env), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String())
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = time.Second // a stray child holding the pipes must not hang Wait

	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return start{status: "exec failed"}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waited := false
	defer func() {
		if !waited {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	timer := time.NewTimer(StartTimeout)
	defer timer.Stop()
	var a answer
	select {
	case a = <-api.answered:
	case err := <-exited:
		waited = true
		// The answer may have raced the exit.
		select {
		case a = <-api.answered:
		default:
			why := "exit status 0"
			if err != nil {
				why = err.Error()
			}
			return start{status: "exited: " + why}, fmt.Errorf("exited without answering (%s); output:\n%s", why, out)
		}
	case <-timer.C:
		return start{status: "timeout"}, fmt.Errorf("no answer within %v; output:\n%s", StartTimeout, out)
	case <-ctx.Done():
		return start{status: "canceled"}, ctx.Err()
	}
	s := start{init: api.initAt().Sub(t0), answer: a.at.Sub(t0), status: a.status, body: a.body}
	s.output = out.String() // the init line is written before the first /next
	if a.initError {
		return s, fmt.Errorf("%s; output:\n%s", a.status, out)
	}
	return s, nil
}

// answer is the first /response, /error or /init/error POST.
type answer struct {
	at        time.Time
	status    string
	body      []byte
	initError bool
}

// runtimeAPI serves the Lambda Runtime API for one process and one
// invocation: the first GET next gets the event, later ones wait until the
// process is killed, as Lambda's do between invocations.
type runtimeAPI struct {
	event     []byte
	arn       string
	requestID string
	answered  chan answer   // the first answer only
	done      chan struct{} // closed by stop

	mu     sync.Mutex
	handed bool      // the event went out
	init   time.Time // first GET next
	once   sync.Once
}

func newRuntimeAPI(event []byte, arn string) *runtimeAPI {
	return &runtimeAPI{
		event:     event,
		arn:       arn,
		requestID: newID(),
		answered:  make(chan answer, 1),
		done:      make(chan struct{}),
	}
}

func (api *runtimeAPI) mux() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /2018-06-01/runtime/invocation/next", api.next)
	m.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", api.response)
	m.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", api.invocationError)
	m.HandleFunc("POST /2018-06-01/runtime/init/error", api.initError)
	return m
}

func (api *runtimeAPI) stop() { api.once.Do(func() { close(api.done) }) }

func (api *runtimeAPI) initAt() time.Time {
	api.mu.Lock()
	defer api.mu.Unlock()
	return api.init
}

func (api *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	api.mu.Lock()
	first := !api.handed
	if first {
		api.handed, api.init = true, now
	}
	api.mu.Unlock()
	if !first {
		// The runtime polls for its second invocation: there is none.
		select {
		case <-api.done:
		case <-r.Context().Done():
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", api.requestID)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(now.Add(StartTimeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", api.arn)
	h.Set("Lambda-Runtime-Trace-Id", traceID(now))
	_, _ = w.Write(api.event)
}

func (api *runtimeAPI) response(w http.ResponseWriter, r *http.Request) {
	at := time.Now() // the answer starts arriving: reading the body is not the function's time
	body, ok := api.accept(w, r)
	if ok {
		api.record(answer{at: at, status: responseStatus(body), body: body})
	}
}

func (api *runtimeAPI) invocationError(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, ok := api.accept(w, r)
	if ok {
		api.record(answer{at: at, status: "error: " + errorType(body, r), body: body})
	}
}

func (api *runtimeAPI) initError(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	api.record(answer{at: at, status: "init error: " + errorType(body, r), body: body, initError: true})
}

// accept reads an invocation's answer and acknowledges it with 202, as
// Lambda does; an unknown request id gets 400.
func (api *runtimeAPI) accept(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if id := r.PathValue("id"); id != api.requestID {
		http.Error(w, "unknown request id "+strconv.Quote(id), http.StatusBadRequest)
		return nil, false
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	w.WriteHeader(http.StatusAccepted)
	return body, true
}

// record keeps the first answer; later ones are acknowledged and dropped.
func (api *runtimeAPI) record(a answer) {
	select {
	case api.answered <- a:
	default:
	}
}

// responseStatus is "response", with the proxy status code when the payload
// is an API Gateway proxy response ({"statusCode": 404, …}).
func responseStatus(body []byte) string {
	var proxy struct {
		StatusCode *int `json:"statusCode"`
	}
	if json.Unmarshal(body, &proxy) == nil && proxy.StatusCode != nil {
		return "response " + strconv.Itoa(*proxy.StatusCode)
	}
	return "response"
}

// errorType reads the errorType of a Runtime API error document, else the
// Lambda-Runtime-Function-Error-Type header.
func errorType(body []byte, r *http.Request) string {
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.ErrorType != "" {
		return doc.ErrorType
	}
	if t := r.Header.Get("Lambda-Runtime-Function-Error-Type"); t != "" {
		return t
	}
	return "unknown"
}

// newID returns a random request id in the UUID layout Lambda uses.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// traceID is an X-Ray trace header, not sampled.
func traceID(now time.Time) string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", now.Unix(), h[:24], h[24:])
}

// tail keeps the last max bytes written to it: the process output, for
// error messages.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = slices.Clone(t.buf[over:])
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
