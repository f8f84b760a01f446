package emulators

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"

	"github.com/zapis/zapis/shared/awsconf"
)

// One edge and (when installed) one moto server serve the whole package:
// goaws state is process-global and moto is slow to start.
var (
	testEdge *Edge
	testMoto *Moto
)

func TestMain(m *testing.M) {
	var err error
	testEdge, err = Start("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "start edge:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	testMoto, err = StartMoto(ctx)
	cancel()
	switch {
	case errors.Is(err, ErrMotoNotInstalled):
		fmt.Fprintln(os.Stderr, "moto_server not on PATH: skipping the moto backend")
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		testEdge.Close()
		os.Exit(1)
	}

	code := m.Run()

	testEdge.Close()
	if testMoto != nil {
		testMoto.Close()
	}
	os.Exit(code)
}

type backend struct {
	name string
	url  string
}

// backends are the endpoints a behaviour test runs against: the edge always,
// moto when installed, so the edge is checked against moto's behaviour.
func backends() []backend {
	b := []backend{{"edge", testEdge.URL()}}
	if testMoto != nil {
		b = append(b, backend{"moto", testMoto.URL()})
	}
	return b
}

// sdkLog collects the warnings the SDK logs, such as a failed CRC32 check.
type sdkLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *sdkLog) logf(c logging.Classification, format string, v ...any) {
	if c == logging.Debug {
		return // e.g. "Response has no supported checksum", also said by real S3
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(c)+": "+fmt.Sprintf(format, v...))
}

func (l *sdkLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func loadConfig(t *testing.T, url string) (aws.Config, *sdkLog) {
	t.Helper()
	cfg, err := awsconf.Load(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	l := &sdkLog{}
	cfg.Logger = logging.LoggerFunc(l.logf)
	return cfg, l
}

var seq atomic.Int64

// uniq returns a name no other test in this binary uses.
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e6, seq.Add(1))
}

func TestSecondStartFails(t *testing.T) {
	if e, err := Start(""); !errors.Is(err, ErrEdgeRunning) {
		if e != nil {
			e.Close()
		}
		t.Fatalf("second Start: %v, want ErrEdgeRunning", err)
	}
}
