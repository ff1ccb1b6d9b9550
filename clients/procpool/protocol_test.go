package procpool

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/clients"
)

func TestEvenShares(t *testing.T) {
	for _, tc := range []struct {
		n, p int
		want []int
	}{
		{8, 4, []int{2, 2, 2, 2}},
		{10, 4, []int{3, 3, 2, 2}},
		{100, 8, []int{13, 13, 13, 13, 12, 12, 12, 12}},
		{2, 3, []int{1, 1, 0}},
		{1, 1, []int{1}},
	} {
		if got := EvenShares(tc.n, tc.p); !slices.Equal(got, tc.want) {
			t.Errorf("EvenShares(%d, %d) = %v, want %v", tc.n, tc.p, got, tc.want)
		}
		if got := Even.Plan(tc.n, tc.p); !slices.Equal(got, tc.want) {
			t.Errorf("Even.Plan(%d, %d) = %v, want %v", tc.n, tc.p, got, tc.want)
		}
	}
}

func TestChunkSizesFollowPoolMap(t *testing.T) {
	// Python: chunksize, extra = divmod(n, 4 * P); if extra: chunksize += 1.
	for _, tc := range []struct {
		n, p, size, chunks, last int
	}{
		{100, 8, 4, 25, 4}, // the seed: 25 chunks of 4
		{32, 8, 1, 32, 1},
		{33, 8, 2, 17, 1},
		{10, 8, 1, 10, 1},
		{1000, 8, 32, 32, 8},
		{7, 1, 2, 4, 1},
		{1, 256, 1, 1, 1},
	} {
		if got := ChunkSize(tc.n, tc.p); got != tc.size {
			t.Errorf("ChunkSize(%d, %d) = %d, want %d", tc.n, tc.p, got, tc.size)
		}
		got := Chunked.Plan(tc.n, tc.p)
		if len(got) != tc.chunks || got[len(got)-1] != tc.last || sum(got) != tc.n {
			t.Errorf("ChunkSizes(%d, %d) = %v, want %d chunks of %d, the last %d", tc.n, tc.p, got, tc.chunks, tc.size, tc.last)
		}
		for _, c := range got[:len(got)-1] {
			if c != tc.size {
				t.Errorf("ChunkSizes(%d, %d) = %v: a chunk other than the last is not %d", tc.n, tc.p, got, tc.size)
				break
			}
		}
	}
	if got := ChunkSizes(0, 8); got != nil {
		t.Errorf("ChunkSizes(0, 8) = %v, want none", got)
	}
}

// sampleResult returns a Check-valid result of n requests, one failed.
func sampleResult(t *testing.T, n int) *clients.Result {
	t.Helper()
	rec := clients.NewRecorder("sequential", n, time.Second)
	for i := range n {
		start := rec.Begin()
		code := 200
		if i == 0 {
			code = 503
		}
		rec.End(t.Context(), start, code, 6, nil)
	}
	return rec.Finish(time.Second, nil)
}

func TestMessagesRoundTrip(t *testing.T) {
	res := sampleResult(t, 5)
	for _, m := range []*Message{
		{V: 1, Type: Hello, Hello: &HelloConfig{Strategy: WorkerFanout, Targets: []string{"http://127.0.0.1:8080/"}, Conn: "cold", Concurrency: 16, TimeoutNS: int64(time.Second)}},
		{V: 1, Type: Hello, Hello: &HelloConfig{Strategy: WorkerSequential, Targets: []string{"http://127.0.0.1:8080/", "http://127.0.0.2:8080/"}, Conn: "warm"}},
		{V: 1, Type: Work, Seq: 3, N: 4},
		{V: 1, Type: Work, Seq: 4, N: 4, First: 1 << 40},
		{V: 1, Type: Cancel, Seq: 3},
		{V: 1, Type: Stop},
		{V: 1, Type: Ready},
		{V: 1, Type: ResultMsg, Seq: 3, Result: res},
		{V: 1, Type: ErrorMsg, Error: "boom"},
	} {
		b, err := EncodeMessage(m)
		if err != nil {
			t.Fatalf("EncodeMessage(%s): %v", m.Type, err)
		}
		if bytes.Count(b, []byte("\n")) != 1 || b[len(b)-1] != '\n' {
			t.Errorf("%s: %q is not one line", m.Type, b)
		}
		got, err := DecodeMessage(b)
		if err != nil {
			t.Fatalf("DecodeMessage(%s): %v", b, err)
		}
		if m.Result != nil {
			if !got.Result.Latency.Equals(m.Result.Latency) || got.Result.OK != 4 || got.Result.Errors[clients.Status] != 1 {
				t.Errorf("result changed: %v, want %v", got.Result, m.Result)
			}
			got.Result, m.Result = nil, nil
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip: %+v, want %+v", got, m)
		}
	}
}

func TestEncodeRejectsInvalid(t *testing.T) {
	for _, m := range []*Message{
		{V: 2, Type: Stop},
		{V: 1, Type: "ping"},
		{V: 1, Type: Work, Seq: 1},
		{V: 1, Type: Work, N: 1},
		{V: 1, Type: Work, Seq: 1, N: -1},
		{V: 1, Type: Stop, Seq: 1},
		{V: 1, Type: Work, Seq: 1, N: 1, First: -1},
		{V: 1, Type: Work, Seq: 1, N: 2, First: math.MaxInt64 - 1},
		{V: 1, Type: Cancel, Seq: 1, First: 5},
		{V: 1, Type: ErrorMsg},
		{V: 1, Type: Hello},
		{V: 1, Type: Hello, Hello: &HelloConfig{Strategy: "threads", Targets: []string{"http://127.0.0.1/"}, Conn: "warm"}},
		{V: 1, Type: Hello, Hello: &HelloConfig{Strategy: WorkerSequential, Targets: []string{"http://127.0.0.1/"}, Conn: "warm", Concurrency: 3}},
		{V: 1, Type: Ready, Result: clients.NewResult("x")},
	} {
		if b, err := EncodeMessage(m); err == nil {
			t.Errorf("EncodeMessage(%+v) = %s, want an error", m, b)
		}
	}
}

func TestDecodeIsStrict(t *testing.T) {
	good := resultLine(t, 1, "sequential")
	withResult := func(edit func(r map[string]any)) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(good), &m)
		edit(m["result"].(map[string]any))
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, tc := range []struct {
		line, want string
	}{
		{`garbage`, "invalid character"},
		{``, "EOF"},
		{`{"v":1,"type":"ready"} {"v":1,"type":"ready"}`, "trailing data"},
		{`{"v":1,"type":"ready"}x`, "trailing data"},
		{`{"v":1,"type":"ready","pid":3}`, `unknown field "pid"`},
		{`{"v":2,"type":"ready"}`, "version 2"},
		{`{"type":"ready"}`, "version 0"},
		{`{"v":1}`, `unknown type ""`},
		{`{"v":1,"type":"READY"}`, `unknown type "READY"`},
		{`{"v":1,"type":"work","seq":1}`, "missing n"},
		{`{"v":1,"type":"work","seq":1,"n":0}`, "missing n"},
		{`{"v":1,"type":"work","seq":1,"n":-5}`, "n -5"},
		{`{"v":1,"type":"work","seq":1,"n":"5"}`, "cannot unmarshal string"},
		{`{"v":1,"type":"work","seq":-1,"n":5}`, "cannot unmarshal number -1"},
		{`{"v":1,"type":"ready","error":"x"}`, "unexpected field error"},
		{`{"v":1,"type":"result","seq":1}`, "missing result"},
		{`{"v":1,"type":"result","seq":1,"result":null}`, "missing result"},
		{`{"v":1,"type":"result","seq":1,"result":5}`, "result"},
		{`{"v":1,"type":"hello","hello":{"strategy":"worker-fanout","targets":[],"conn":"warm","concurrency":0,"timeout_ns":0}}`, "targets"},
		{`{"v":1,"type":"hello","hello":{"strategy":"worker-fanout","targets":["http://127.0.0.1/"],"conn":"warm","threads":2}}`, `unknown field "threads"`},
		{withResult(func(r map[string]any) { r["extra"] = 1 }), `unknown field "extra"`},
		{withResult(func(r map[string]any) { r["ok"] = 1 }), "1 ok + 0 failed"},
		{withResult(func(r map[string]any) {
			r["latency"] = map[string]any{"lowest": 1, "highest": 10, "sig_figs": 3, "buckets": [][2]int64{}}
		}), "histogram"},
	} {
		_, err := DecodeMessage([]byte(tc.line))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeMessage(%s) = %v, want an error containing %q", tc.line, err, tc.want)
		}
	}
}

func TestReadMessage(t *testing.T) {
	in := "{\"v\":1,\"type\":\"ready\"}\n{\"v\":1,\"type\":\"stop\"}\n"
	br := bufio.NewReaderSize(strings.NewReader(in), 16) // lines longer than the buffer
	for _, want := range []MsgType{Ready, Stop} {
		m, err := ReadMessage(br, 100)
		if err != nil || m.Type != want {
			t.Fatalf("ReadMessage = %v, %v; want %s", m, err, want)
		}
	}
	if _, err := ReadMessage(br, 100); err != io.EOF {
		t.Errorf("at the end: %v, want io.EOF", err)
	}

	_, err := ReadMessage(bufio.NewReaderSize(strings.NewReader(in), 16), 20)
	if err == nil || !strings.Contains(err.Error(), "over the 20-byte limit") {
		t.Errorf("long line = %v, want a limit error", err)
	}
	_, err = ReadMessage(bufio.NewReader(strings.NewReader(`{"v":1,"type":"rea`)), 100)
	if err == nil || errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "truncated message") {
		t.Errorf("truncated line = %v, want a truncation error", err)
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"type":"ready"}`,
		`{"v":1,"type":"work","seq":1,"n":4}`,
		`{"v":1,"type":"error","error":"x"}`,
		`{"v":1,"type":"hello","hello":{"strategy":"worker-fanout","targets":["http://127.0.0.1/"],"conn":"warm","concurrency":2,"timeout_ns":0}}`,
		`{"v":1,"type":"result","seq":1,"result":{"strategy":"s","requests":0,"ok":0,"bytes":0,"wall_ns":0,"latency":{"lowest":1000,"highest":3600000000000,"sig_figs":3,"buckets":[]},"codes":{},"errors":{},"not_issued":0,"max_in_flight":0}}`,
		`garbage`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		m, err := DecodeMessage(line)
		if err != nil {
			return
		}
		b, err := EncodeMessage(m)
		if err != nil {
			t.Fatalf("decoded %q but cannot encode it: %v", line, err)
		}
		again, err := DecodeMessage(b)
		if err != nil {
			t.Fatalf("re-decode %q: %v", b, err)
		}
		b2, err := EncodeMessage(again)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("encoding not stable: %q then %q (%v)", b, b2, err)
		}
	})
}
