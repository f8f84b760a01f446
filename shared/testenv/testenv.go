// Package testenv gives tests the AWS backends to run against: the embedded
// edge (minidyn, goaws, gofakes3) always, and moto_server when it is on PATH.
//
// Use it from a package's tests like this:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
//	func TestStore(t *testing.T) {
//		for _, b := range testenv.Backends(t, resources(t)) {
//			t.Run(b.Name, func(t *testing.T) { ... b.Config, b.Provisioned.TableNames["DataTable"] ... })
//		}
//	}
//
// The servers start once per test binary (one package) and every test of
// the package shares them and their data: use unique ids (booking ids,
// citizen subs, queue message bodies) so tests stay independent and can run
// in parallel. Each package's test binary gets fresh servers, so packages do
// not see each other's data.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/zapis/zapis/infra/emulators"
	"github.com/zapis/zapis/infra/provision"
	"github.com/zapis/zapis/infra/template"
	"github.com/zapis/zapis/shared/awsconf"
)

// MotoSkipMessage is logged once when moto_server is not installed.
const MotoSkipMessage = "moto_server not on PATH: skipping the moto backend"

// Backend is one provisioned AWS endpoint.
type Backend struct {
	Name        string // "edge" or "moto", for t.Run
	URL         string
	Config      aws.Config
	Provisioned *provision.Provisioned
}

type server struct {
	name string
	url  string
	cfg  aws.Config
}

type provisioned struct {
	res      *template.Resources
	backends []Backend
}

var (
	startOnce sync.Once
	startErr  error
	servers   []server
	motoNote  string // MotoSkipMessage when moto is absent
	edge      *emulators.Edge
	moto      *emulators.Moto

	mu    sync.Mutex
	cache []provisioned
)

// Backends starts the servers on first use, provisions res on each, and
// returns them. Later calls with equal resources return the same backends
// without provisioning again; different resources are provisioned on the
// same servers. A failure to start or provision fails the test.
func Backends(t testing.TB, res *template.Resources) []Backend {
	t.Helper()
	startOnce.Do(func() { startErr = start() })
	if startErr != nil {
		t.Fatalf("testenv: %v", startErr)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, p := range cache {
		if reflect.DeepEqual(p.res, res) {
			return p.backends
		}
	}
	if motoNote != "" {
		t.Log(motoNote)
		motoNote = ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var backends []Backend
	for _, s := range servers {
		p, err := provision.Apply(ctx, s.cfg, res)
		if err != nil {
			t.Fatalf("testenv: provision %s: %v", s.name, err)
		}
		backends = append(backends, Backend{Name: s.name, URL: s.url, Config: s.cfg, Provisioned: p})
	}
	cache = append(cache, provisioned{res: res, backends: backends})
	return backends
}

// Main runs the package's tests and then stops the servers, so that no
// moto_server process outlives the test binary. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	stop()
	os.Exit(code)
}

func start() error {
	var err error
	edge, err = emulators.Start("")
	if err != nil {
		return err
	}
	if err := addServer("edge", edge.URL()); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	moto, err = emulators.StartMoto(ctx)
	switch {
	case errors.Is(err, emulators.ErrMotoNotInstalled):
		// Absent moto is a skip, on CI too: the edge still runs every test.
		motoNote = MotoSkipMessage
		fmt.Fprintln(os.Stderr, "testenv:", MotoSkipMessage)
		return nil
	case err != nil:
		return err
	}
	// A fresh server is empty; reset anyway so a reused one starts clean.
	if err := moto.Reset(); err != nil {
		return err
	}
	return addServer("moto", moto.URL())
}

func addServer(name, url string) error {
	cfg, err := awsconf.Load(context.Background(), url)
	if err != nil {
		return err
	}
	servers = append(servers, server{name: name, url: url, cfg: cfg})
	return nil
}

func stop() {
	if moto != nil {
		_ = moto.Close()
	}
	if edge != nil {
		_ = edge.Close()
	}
}
