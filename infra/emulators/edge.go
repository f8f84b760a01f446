// Package emulators runs the AWS services Zapis uses without an AWS account:
// an in-process "edge" endpoint that serves DynamoDB (minidyn), SQS and SNS
// (goaws) and S3 (gofakes3) on one port, like LocalStack does, and a launcher
// for moto_server. The workarounds for the emulators' gaps live here and
// nowhere else, so production code and SDK clients need no special options:
//
//   - minidyn: the edge adds X-Amz-Crc32, reports tables and indexes ACTIVE,
//     answers TTL and ListTables itself and serialises calls (minidyn's
//     table calls are not locked).
//   - goaws: the edge fixes queue URLs, SQS JSON error types and
//     ApproximateReceiveCount, emulates long polling, runs its periodic task
//     and keeps calls that change its maps apart from calls that read them.
//     Filter policies stay exact-match only.
//   - gofakes3: the edge rejects expired presigned URLs.
package emulators

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/sirupsen/logrus"
)

// Region and AccountID are what the edge reports in ARNs and queue URLs.
const (
	Region    = "us-east-1"
	AccountID = "000000000000"
)

// ErrEdgeRunning is returned by Start while another Edge is running: goaws
// keeps its queues, topics and configuration in package globals, so two edges
// in one process would share and overwrite each other's state.
var ErrEdgeRunning = errors.New("emulators: an Edge is already running in this process (goaws state is process-global)")

var edgeRunning atomic.Bool

// Edge is one HTTP endpoint serving DynamoDB, SQS, SNS and S3. Requests are
// routed by the service name in their SigV4 credential scope, so any SDK
// client configured with BaseEndpoint = URL() works unchanged.
type Edge struct {
	srv    *http.Server
	url    string
	debug  bool
	dynamo *dynamoFront
	goaws  *goawsFront
	s3     http.Handler

	closeOnce sync.Once
	closeErr  error
}

// Start listens on addr ("" means 127.0.0.1 on a free port) and serves the
// emulators until Close. Only one Edge may run per process at a time.
func Start(addr string) (*Edge, error) {
	if !edgeRunning.CompareAndSwap(false, true) {
		return nil, ErrEdgeRunning
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		edgeRunning.Store(false)
		return nil, fmt.Errorf("emulators: listen %s: %w", addr, err)
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1" // listening on all interfaces: clients still dial loopback
	}
	url := "http://" + net.JoinHostPort(host, port)

	verbose := os.Getenv("ZAPIS_EMULATOR_DEBUG") == "1"
	// goaws logs every call (and a warning per empty receive) through the
	// global logrus logger; nothing else in Zapis uses logrus.
	logrus.SetOutput(io.Discard)
	var s3Opts []gofakes3.Option
	if verbose {
		logrus.SetOutput(os.Stderr)
		s3Opts = append(s3Opts, gofakes3.WithLogger(gofakes3.GlobalLog()))
	}

	e := &Edge{
		url:    url,
		debug:  verbose,
		dynamo: newDynamoFront(),
		goaws:  startGoaws(host, port),
		s3:     gofakes3.New(s3mem.New(), s3Opts...).Server(),
	}
	e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = e.srv.Serve(ln) }()
	return e, nil
}

// URL is the endpoint to give SDK clients, e.g. "http://127.0.0.1:40123".
func (e *Edge) URL() string { return e.url }

// Close stops the listener, drops open connections (ending long polls) and
// stops goaws' background task, after which a new Edge may be started.
func (e *Edge) Close() error {
	e.closeOnce.Do(func() {
		e.closeErr = e.srv.Close()
		e.goaws.stop()
		edgeRunning.Store(false)
	})
	return e.closeErr
}

// ServeHTTP routes a request to the emulator named in its SigV4 scope.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	svc := signedService(r)
	if svc == "" && r.Method == http.MethodOptions {
		svc = "s3" // browsers send CORS preflights for presigned URLs unsigned
	}
	if e.debug {
		log.Printf("emulators: %s %s %s %s", svc, r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"))
	}
	defer func() {
		// An emulator bug should fail one call with a readable error, not
		// drop the connection (which the SDK would retry).
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Printf("emulators: %s emulator panicked: %v\n%s", svc, v, debug.Stack())
			http.Error(w, fmt.Sprintf("zapis edge: %s emulator panicked: %v", svc, v), http.StatusInternalServerError)
		}
	}()
	switch svc {
	case "dynamodb":
		e.dynamo.ServeHTTP(w, r)
	case "sqs", "sns":
		e.goaws.ServeHTTP(w, r)
	case "s3":
		if presignExpired(r, time.Now()) {
			writeS3Error(w, http.StatusForbidden, "AccessDenied", "Request has expired")
			return
		}
		e.s3.ServeHTTP(w, r)
	case "":
		http.Error(w, "zapis edge: unsigned request: cannot tell the AWS service. "+
			"Sign requests with SigV4 (Authorization header or X-Amz-Credential query parameter), e.g. with the AWS SDK.",
			http.StatusBadRequest)
	default:
		http.Error(w, "zapis edge: service "+strconv.Quote(svc)+" is not emulated (dynamodb, sqs, sns, s3 are)",
			http.StatusBadRequest)
	}
}

// signedService returns the service of the SigV4 credential scope
// "AKID/20260101/us-east-1/<service>/aws4_request", or "".
func signedService(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); auth != "" {
		_, after, ok := strings.Cut(auth, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(after, ",")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return ""
	}
	return parts[3]
}

// presignExpired reports whether r is a presigned request past its
// X-Amz-Date + X-Amz-Expires. gofakes3 does not check; S3 does.
func presignExpired(r *http.Request, now time.Time) bool {
	q := r.URL.Query()
	signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return false
	}
	secs, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil {
		return false
	}
	return now.After(signed.Add(time.Duration(secs) * time.Second))
}

func writeS3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>%s</Code><Message>%s</Message></Error>", code, msg)
}

// recorder buffers an emulator's response so the edge can fix it up.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// writeTo sends the buffered response with body replacing the recorded one.
func (r *recorder) writeTo(w http.ResponseWriter, body []byte) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(r.status)
	_, _ = w.Write(body)
}

// replayRequest returns a copy of r whose body reads body again.
func replayRequest(r *http.Request, body []byte) *http.Request {
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	return c
}
