package procpool

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
)

// servedWorker is ServeWorker running in-process over pipes.
type servedWorker struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *bufio.Reader
	errc chan error
}

func serve(t *testing.T, ctx context.Context) *servedWorker {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	w := &servedWorker{t: t, in: inW, out: bufio.NewReader(outR), errc: make(chan error, 1)}
	go func() {
		err := ServeWorker(ctx, inR, outW)
		outW.Close()
		w.errc <- err
	}()
	t.Cleanup(func() {
		inW.Close()
		outR.Close()
	})
	return w
}

func (w *servedWorker) send(line string) {
	w.t.Helper()
	if _, err := io.WriteString(w.in, line+"\n"); err != nil {
		w.t.Fatalf("send %s: %v", line, err)
	}
}

func (w *servedWorker) recv() *Message {
	w.t.Helper()
	m, err := ReadMessage(w.out, MaxMessageSize)
	if err != nil {
		w.t.Fatalf("recv: %v", err)
	}
	return m
}

// wait returns ServeWorker's error.
func (w *servedWorker) wait() error {
	w.t.Helper()
	select {
	case err := <-w.errc:
		return err
	case <-time.After(20 * time.Second):
		w.t.Fatal("ServeWorker did not return")
		return nil
	}
}

func helloLine(t *testing.T, strategy string, conc int, url string) string {
	t.Helper()
	b, err := EncodeMessage(&Message{V: ProtocolVersion, Type: Hello, Hello: &HelloConfig{
		Strategy: strategy, Targets: []string{url}, Conn: "warm", Concurrency: conc, TimeoutNS: int64(10 * time.Second),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

func TestServeWorkerRunsBatches(t *testing.T) {
	srv := newTestServer(t, 5*time.Millisecond)
	w := serve(t, context.Background())
	w.send(helloLine(t, WorkerFanout, 2, srv.URL+"/"))
	if m := w.recv(); m.Type != Ready {
		t.Fatalf("got %s, want ready", m.Type)
	}
	w.send(`{"v":1,"type":"work","seq":1,"n":3}`)
	m := w.recv()
	if m.Type != ResultMsg || m.Seq != 1 || m.Result.OK != 3 || m.Result.Strategy != WorkerFanout {
		t.Fatalf("got %+v, want the result of batch 1 with 3 ok", m)
	}
	w.send(`{"v":1,"type":"cancel","seq":1}`) // stale: ignored
	w.send(`{"v":1,"type":"work","seq":2,"n":4}`)
	if m := w.recv(); m.Type != ResultMsg || m.Seq != 2 || m.Result.OK != 4 || m.Result.MaxInFlight != 2 {
		t.Fatalf("got %+v, want the result of batch 2 with 4 ok, 2 in flight", m)
	}
	w.send(`{"v":1,"type":"stop"}`)
	if err := w.wait(); err != nil {
		t.Errorf("ServeWorker after stop = %v", err)
	}
	if got := srv.total.Load(); got != 7 {
		t.Errorf("server saw %d requests, want 7", got)
	}
}

func TestServeWorkerCancel(t *testing.T) {
	srv := newTestServer(t, 10*time.Second)
	w := serve(t, context.Background())
	w.send(helloLine(t, WorkerSequential, 0, srv.URL+"/"))
	w.recv()
	w.send(`{"v":1,"type":"work","seq":1,"n":5}`)
	for srv.inflight.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	w.send(`{"v":1,"type":"cancel","seq":1}`)
	m := w.recv()
	if m.Type != ResultMsg || m.Seq != 1 {
		t.Fatalf("got %+v, want the result of batch 1", m)
	}
	r := m.Result
	if r.Requests != 5 || r.Errors[clients.Canceled] != 5 || r.NotIssued != 4 {
		t.Errorf("result %v: want 5 canceled, 4 never issued", r)
	}
	w.in.Close() // EOF ends the worker
	if err := w.wait(); err != nil {
		t.Errorf("ServeWorker at EOF = %v", err)
	}
}

func TestServeWorkerRejectsProtocolErrors(t *testing.T) {
	srv := newTestServer(t, 0)
	hello := helloLine(t, WorkerSequential, 0, srv.URL+"/")
	for _, tc := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"garbage", []string{"garbage"}, "bad message from the parent"},
		{"work before hello", []string{`{"v":1,"type":"work","seq":1,"n":1}`}, "work before hello"},
		{"second hello", []string{hello, hello}, "second hello"},
		{"worker message", []string{`{"v":1,"type":"ready"}`}, "unexpected ready message"},
		{"seq reuse", []string{hello, `{"v":1,"type":"work","seq":2,"n":1}`, `{"v":1,"type":"work","seq":2,"n":1}`}, "sequence numbers must increase"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(t, context.Background())
			var msgs []*Message
			done := make(chan struct{})
			go func() { // drain the worker's messages
				defer close(done)
				for {
					m, err := ReadMessage(w.out, MaxMessageSize)
					if err != nil {
						return
					}
					msgs = append(msgs, m)
				}
			}()
			for _, l := range tc.lines {
				if _, err := io.WriteString(w.in, l+"\n"); err != nil {
					break // the worker stopped reading
				}
			}
			err := w.wait()
			w.in.Close()
			<-done
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ServeWorker = %v, want an error containing %q", err, tc.want)
			}
			last := msgs[len(msgs)-1]
			if last.Type != ErrorMsg || !strings.Contains(last.Error, tc.want) {
				t.Errorf("last message %+v, want an error message saying %q", last, tc.want)
			}
		})
	}
}

func TestServeWorkerStopsWithContext(t *testing.T) {
	srv := newTestServer(t, 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	w := serve(t, ctx)
	w.send(helloLine(t, WorkerSequential, 0, srv.URL+"/"))
	w.recv()
	w.send(`{"v":1,"type":"work","seq":1,"n":2}`)
	for srv.inflight.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := w.wait(); err != context.Canceled {
		t.Errorf("ServeWorker = %v, want context.Canceled", err)
	}
	w.in.Close()
}
