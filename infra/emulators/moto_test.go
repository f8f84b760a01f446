package emulators

import (
	"errors"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// TestMotoOutlivesStartingThread: moto_server gets SIGKILL when the OS
// thread that forked it exits (Pdeathsig is per thread, go.dev/issue/27505).
// Start it from a goroutine that locks its thread and returns without
// unlocking, which makes the runtime end that thread: moto must still
// answer afterwards.
func TestMotoOutlivesStartingThread(t *testing.T) {
	type started struct {
		m   *Moto
		err error
	}
	ch := make(chan started, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		m, err := StartMoto(t.Context())
		ch <- started{m, err}
	}()
	s := <-ch
	if errors.Is(s.err, ErrMotoNotInstalled) {
		t.Skip("moto_server not installed")
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
	t.Cleanup(func() { _ = s.m.Close() })
	time.Sleep(time.Second) // the starting thread is gone by now
	select {
	case <-s.m.exited:
		t.Fatalf("moto_server exited with its starting thread; output: %s", s.m.output)
	default:
	}
	resp, err := http.Get(s.m.URL() + "/moto-api/")
	if err != nil {
		t.Fatalf("moto_server does not answer after its starting thread ended: %v", err)
	}
	resp.Body.Close()
}
