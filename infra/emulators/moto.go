package emulators

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ErrMotoNotInstalled is wrapped by StartMoto's error when moto_server is
// not on PATH (pip install 'moto[server]').
var ErrMotoNotInstalled = errors.New("moto_server not on PATH")

// motoStartTimeout bounds how long StartMoto waits for the server to answer
// when ctx has no earlier deadline; a cold Python start takes a few seconds.
const motoStartTimeout = 30 * time.Second

// Moto is a moto_server child process on a loopback port. Its state is
// global to the server: use unique names per test or Reset between suites.
type Moto struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
	output *tailBuffer

	closeOnce sync.Once
	closing   atomic.Bool // Close was called: an exit is expected
}

// StartMoto starts moto_server on a free loopback port and waits until it
// answers. The server reports account 000000000000, like the edge.
func StartMoto(ctx context.Context) (*Moto, error) {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMotoNotInstalled, err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}

	out := &tailBuffer{max: 4096}
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	if py := motoPython(path); py != "" {
		cmd = exec.Command(py, "-c", serializedMoto, "127.0.0.1", strconv.Itoa(port))
	}
	cmd.Env = append(os.Environ(), "MOTO_ACCOUNT_ID="+AccountID, "MOTO_PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = out, out
	if os.Getenv("ZAPIS_EMULATOR_DEBUG") == "1" {
		cmd.Stdout, cmd.Stderr = io.MultiWriter(out, os.Stderr), io.MultiWriter(out, os.Stderr)
	}
	cmd.WaitDelay = 2 * time.Second // don't hang on output pipes a stray child keeps open
	setProcessGroup(cmd)
	m := &Moto{cmd: cmd, url: "http://127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{}), output: out}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the thread that forked exits,
		// not the process (go.dev/issue/27505): keep this goroutine on that
		// thread until moto exits, or a thread the runtime retires takes
		// moto with it (TestMotoOutlivesStartingThread).
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		if !m.closing.Load() {
			// Nobody asked it to stop: say why, or every later call
			// fails with only "connection refused".
			fmt.Fprintf(os.Stderr, "emulators: moto_server exited unexpectedly (%v); its last output:\n%s\n", err, out)
		}
		close(m.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("emulators: start moto_server: %w", err)
	}

	if err := m.waitReady(ctx); err != nil {
		_ = m.Close()
		return nil, fmt.Errorf("emulators: moto_server did not start: %w; output: %s", err, out.String())
	}
	return m, nil
}

// serializedMoto runs moto's own WSGI app, as moto_server does, but lets one
// request at a time into it. moto's TransactWriteItems snapshots whole tables
// and restores them on failure without a lock, so in the threaded server two
// concurrent transactions can undo each other's writes (and deepcopy crashes
// with 500s). DynamoDB's transactions are atomic; serialising the requests
// gives moto that property while connections are still accepted in parallel.
//
// It also stops moto tracking DynamoDB model instances. BaseModel.__new__
// appends every instance to a class list (for moto's dashboard), and
// deepcopy goes through __new__, so each transaction's rollback snapshot of
// the table was kept for ever: a contention run grew moto by a table copy per
// losing client until the kernel killed it (TestMotoKeepsNoTableCopies).
const serializedMoto = `
import sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
app = DomainDispatcherApplication(create_backend_app)
try:
    from moto.core.common_models import BaseModel
    from moto.dynamodb.models import dynamo_type, table
    class Untracked(list):
        def append(self, _):
            pass
    for mod in (dynamo_type, table):
        for v in list(vars(mod).values()):
            if isinstance(v, type) and issubclass(v, BaseModel):
                v.instances_tracked = Untracked()
except ImportError as e:
    print("zapis: moto keeps every DynamoDB model instance:", e, file=sys.stderr)
lock = threading.Lock()
def serialized(environ, start_response):
    with lock:
        return list(app(environ, start_response))
run_simple(sys.argv[1], int(sys.argv[2]), serialized, threaded=True)
`

// motoPython finds a Python that can import moto: the interpreter named in
// moto_server's #! line, or python3 (a pyenv shim resolves to the same
// installation). "" means none works: moto_server is then run as it is.
func motoPython(motoServer string) string {
	var candidates []string
	if f, err := os.Open(motoServer); err == nil {
		line := make([]byte, 256)
		n, _ := f.Read(line)
		f.Close()
		first, _, _ := bytes.Cut(line[:n], []byte("\n"))
		if py, ok := bytes.CutPrefix(first, []byte("#!")); ok && bytes.Contains(py, []byte("python")) {
			candidates = append(candidates, string(bytes.TrimSpace(py)))
		}
	}
	candidates = append(candidates, "python3")
	for _, py := range candidates {
		if exec.Command(py, "-c", "import moto.moto_server.werkzeug_app, werkzeug").Run() == nil {
			return py
		}
	}
	return ""
}

// URL is the endpoint to give SDK clients.
func (m *Moto) URL() string { return m.url }

// Reset drops every resource in the server (POST /moto-api/reset).
func (m *Moto) Reset() error {
	resp, err := http.Post(m.url+"/moto-api/reset", "application/json", nil)
	if err != nil {
		return fmt.Errorf("emulators: reset moto: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("emulators: reset moto: %s", resp.Status)
	}
	return nil
}

// Close stops the server and every process it started.
func (m *Moto) Close() error {
	m.closeOnce.Do(func() {
		m.closing.Store(true)
		terminateGroup(m.cmd, false)
		select {
		case <-m.exited:
		case <-time.After(5 * time.Second):
			terminateGroup(m.cmd, true)
			<-m.exited
		}
	})
	return nil
}

func (m *Moto) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, motoStartTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/moto-api/", nil)
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-m.exited:
			return errors.New("process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("emulators: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if extra := t.buf.Len() - t.max; extra > 0 {
		t.buf.Next(extra)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
