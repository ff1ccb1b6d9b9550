package procpool

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/usage"
)

// ProtocolVersion is the version every message carries in its "v" field.
// A message with another version is rejected.
const ProtocolVersion = 1

// MaxMessageSize bounds one protocol line (the JSON and its newline). A
// result's compressed histogram is a few KiB; the bound only stops a runaway
// worker from exhausting memory.
const MaxMessageSize = 64 << 20

// MaxWork bounds the request count of one work message.
const MaxWork = math.MaxInt32

// MsgType names a protocol message.
type MsgType string

// The message types. Parent to worker: Hello, Work, Cancel, Stop. Worker to
// parent: Ready, ResultMsg, ErrorMsg.
const (
	// Hello configures the worker's client; the worker answers Ready.
	Hello MsgType = "hello"
	// Work asks the worker to run a batch (a chunk or a share) of N requests
	// with its client; the worker answers ResultMsg with the same Seq.
	Work MsgType = "work"
	// Cancel asks the worker to cancel the running batch Seq; the worker
	// still answers that batch with a ResultMsg, whose unfinished requests
	// are counted as canceled. A Cancel for a batch that is not running is
	// ignored (it crossed the result on the wire).
	Cancel MsgType = "cancel"
	// Stop asks the worker to exit.
	Stop MsgType = "stop"
	// Ready says the worker built its client and awaits work.
	Ready MsgType = "ready"
	// ResultMsg carries the clients.Result of batch Seq.
	ResultMsg MsgType = "result"
	// ErrorMsg carries a message about a failure that ends the worker.
	ErrorMsg MsgType = "error"
)

// Worker clients a Hello may ask for. They name the client inside a worker
// process, not a strategy of the suite (package clients/strategy names those).
const (
	WorkerSequential = "worker-sequential"
	WorkerFanout     = "worker-fanout"
	WorkerFastHTTP   = "worker-fasthttp"
)

// HelloConfig is the payload of a Hello message: the clients.Config fields
// and the strategy the worker runs them with.
type HelloConfig struct {
	// Strategy is WorkerSequential, WorkerFanout or WorkerFastHTTP.
	Strategy string `json:"strategy"`
	// Targets, Conn, Concurrency and TimeoutNS are the clients.Config
	// fields; Conn is "warm" or "cold", TimeoutNS is in nanoseconds.
	Targets     []string `json:"targets"`
	Conn        string   `json:"conn"`
	Concurrency int      `json:"concurrency"`
	TimeoutNS   int64    `json:"timeout_ns"`
	// SampleNS, if not zero, is the interval in nanoseconds at which the
	// worker samples its resource use during a batch (Config.Sample); each
	// result then carries a Usage.
	SampleNS int64 `json:"sample_ns,omitempty"`
	// RootCAs, TLSResume and HTTP2 are the clients.Config fields; HTTP2
	// is "h1" (or empty), "h2" or "h2-strict".
	RootCAs   []byte `json:"root_cas,omitempty"`
	TLSResume bool   `json:"tls_resume,omitempty"`
	HTTP2     string `json:"http2,omitempty"`
	// HTTP2Streams is clients.Config's.
	HTTP2Streams int `json:"http2_streams,omitempty"`
}

// ClientConfig converts h into a validated clients.Config.
func (h *HelloConfig) ClientConfig() (clients.Config, error) {
	switch h.Strategy {
	case WorkerSequential:
		if h.Concurrency != 0 {
			return clients.Config{}, fmt.Errorf("hello: concurrency %d: the sequential strategy takes 0", h.Concurrency)
		}
	case WorkerFanout, WorkerFastHTTP:
	default:
		return clients.Config{}, fmt.Errorf("hello: strategy %q: want %s, %s or %s", h.Strategy, WorkerSequential, WorkerFanout, WorkerFastHTTP)
	}
	conn, err := clients.ParseConnMode(h.Conn)
	if err != nil {
		return clients.Config{}, fmt.Errorf("hello: %w", err)
	}
	h2, err := clients.ParseHTTP2Mode(h.HTTP2)
	if err != nil {
		return clients.Config{}, fmt.Errorf("hello: %w", err)
	}
	cfg := clients.Config{
		Targets:     h.Targets,
		Conn:        conn,
		Concurrency: h.Concurrency,
		Timeout:     time.Duration(h.TimeoutNS),
		RootCAs:     h.RootCAs,
		TLSResume:   h.TLSResume,
		HTTP2:       h2,

		HTTP2Streams: h.HTTP2Streams,
	}
	if err := cfg.Validate(); err != nil {
		return clients.Config{}, fmt.Errorf("hello: %w", err)
	}
	if s := time.Duration(h.SampleNS); s != 0 && (s < usage.MinInterval || s > usage.MaxInterval) {
		return clients.Config{}, fmt.Errorf("hello: sample_ns %d: want 0 (off) or %d..%d", h.SampleNS, usage.MinInterval, usage.MaxInterval)
	}
	return cfg, nil
}

// helloFor returns the Hello payload for cfg run with strategy, sampling
// resource use every sample (0: never).
func helloFor(strategy string, cfg clients.Config, sample time.Duration) *HelloConfig {
	c := cfg.Concurrency
	if strategy == WorkerSequential {
		c = 0
	}
	return &HelloConfig{
		Strategy:    strategy,
		Targets:     cfg.Targets,
		Conn:        cfg.Conn.String(),
		Concurrency: c,
		TimeoutNS:   int64(cfg.Timeout),
		SampleNS:    int64(sample),
		RootCAs:     cfg.RootCAs,
		TLSResume:   cfg.TLSResume,
		HTTP2:       http2Name(cfg.HTTP2),

		HTTP2Streams: cfg.HTTP2Streams,
	}
}

// Message is one protocol line. Which fields a message carries depends on
// its Type (see Validate); the others must be zero.
type Message struct {
	// V is the protocol version, ProtocolVersion.
	V int `json:"v"`
	// Type is the message type.
	Type MsgType `json:"type"`
	// Seq numbers a worker's batches from 1: Work, Cancel and ResultMsg
	// carry it.
	Seq uint64 `json:"seq,omitempty"`
	// N is the request count of a Work message, 1..MaxWork.
	N int `json:"n,omitempty"`
	// First is the index of a Work message's first request: the worker's
	// requests carry the indices First..First+N-1 (clients.IndexedClient),
	// as the parent planned them. Absent means 0.
	First int64 `json:"first,omitempty"`
	// Hello is the payload of a Hello message.
	Hello *HelloConfig `json:"hello,omitempty"`
	// Result is the payload of a ResultMsg.
	Result *clients.Result `json:"result,omitempty"`
	// Usage is the worker's resource use during the batch, carried by a
	// ResultMsg when the Hello asked for sampling.
	Usage *usage.Usage `json:"usage,omitempty"`
	// Error is the text of an ErrorMsg.
	Error string `json:"error,omitempty"`
}

// Validate checks that m has the current version, a known type, exactly
// the fields its type carries, and values in range.
func (m *Message) Validate() error {
	if m.V != ProtocolVersion {
		return fmt.Errorf("message: version %d: want %d", m.V, ProtocolVersion)
	}
	var seq, n, hello, result, text bool // the fields m.Type carries
	switch m.Type {
	case Hello:
		hello = true
	case Work:
		seq, n = true, true
	case Cancel:
		seq = true
	case Stop, Ready:
	case ResultMsg:
		seq, result = true, true
	case ErrorMsg:
		text = true
	default:
		return fmt.Errorf("message: unknown type %q", m.Type)
	}
	check := func(name string, want, has bool) error {
		switch {
		case want && !has:
			return fmt.Errorf("message %s: missing %s", m.Type, name)
		case !want && has:
			return fmt.Errorf("message %s: unexpected field %s", m.Type, name)
		}
		return nil
	}
	if err := errors.Join(
		check("seq", seq, m.Seq != 0),
		check("n", n, m.N != 0),
		check("hello", hello, m.Hello != nil),
		check("result", result, m.Result != nil),
		check("error", text, m.Error != ""),
	); err != nil {
		return err
	}
	if m.Usage != nil {
		if m.Type != ResultMsg {
			return fmt.Errorf("message %s: unexpected field usage", m.Type)
		}
		if err := m.Usage.Validate(); err != nil {
			return fmt.Errorf("message result: %w", err)
		}
	}
	if n && (m.N < 1 || m.N > MaxWork) {
		return fmt.Errorf("message work: n %d: want 1 to %d", m.N, MaxWork)
	}
	switch {
	case m.First != 0 && !n:
		return fmt.Errorf("message %s: unexpected field first", m.Type)
	case n && (m.First < 0 || m.First > math.MaxInt64-int64(m.N)):
		return fmt.Errorf("message work: first %d: want 0 to %d", m.First, math.MaxInt64-int64(m.N))
	}
	if hello {
		if _, err := m.Hello.ClientConfig(); err != nil {
			return fmt.Errorf("message hello: %w", err)
		}
	}
	if result {
		if err := m.Result.Check(); err != nil {
			return fmt.Errorf("message result: %w", err)
		}
	}
	return nil
}

// EncodeMessage validates m and returns it as one JSON line, newline
// included.
func EncodeMessage(m *Message) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s message: %w", m.Type, err)
	}
	if len(b)+1 > MaxMessageSize {
		return nil, fmt.Errorf("encode %s message: %d bytes, over the %d-byte limit", m.Type, len(b)+1, MaxMessageSize)
	}
	return append(b, '\n'), nil
}

// wireMessage is Message as decoded: the result is kept raw so that its
// fields can be checked strictly too (clients.Result decodes itself
// leniently).
type wireMessage struct {
	V      int             `json:"v"`
	Type   MsgType         `json:"type"`
	Seq    uint64          `json:"seq"`
	N      int             `json:"n"`
	First  int64           `json:"first"`
	Hello  *HelloConfig    `json:"hello"`
	Result json.RawMessage `json:"result"`
	Usage  *usage.Usage    `json:"usage"`
	Error  string          `json:"error"`
}

// DecodeMessage decodes one protocol line (with or without its newline)
// strictly: unknown fields, trailing data, a wrong version, a field its type
// does not carry, or a result that fails clients.Result.Check are errors.
func DecodeMessage(line []byte) (*Message, error) {
	if len(line) > MaxMessageSize {
		return nil, fmt.Errorf("decode: %d bytes, over the %d-byte limit", len(line), MaxMessageSize)
	}
	var w wireMessage
	if err := strictUnmarshal(line, &w); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	m := &Message{V: w.V, Type: w.Type, Seq: w.Seq, N: w.N, First: w.First, Hello: w.Hello, Usage: w.Usage, Error: w.Error}
	if len(w.Result) > 0 && !bytes.Equal(w.Result, []byte("null")) {
		r, err := decodeResult(w.Result)
		if err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		m.Result = r
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return m, nil
}

// strictUnmarshal decodes exactly one JSON value into v, rejecting unknown
// fields and anything but white space after the value.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the message")
	}
	return nil
}

// decodeResult decodes a clients.Result (which runs Check) and rejects
// fields its own encoding would not write.
func decodeResult(raw []byte) (*clients.Result, error) {
	var r clients.Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("result: %w", err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(raw, &got); err != nil {
		return nil, fmt.Errorf("result: %w", err)
	}
	again, err := r.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("result: %w", err)
	}
	var known map[string]json.RawMessage
	if err := json.Unmarshal(again, &known); err != nil {
		return nil, fmt.Errorf("result: %w", err)
	}
	known["samples"] = nil // omitted when empty
	for k := range got {
		if _, ok := known[k]; !ok {
			return nil, fmt.Errorf("result: unknown field %q", k)
		}
	}
	return &r, nil
}

// ReadMessage reads one line of at most limit bytes (newline included) from
// br and decodes it. It returns io.EOF at a clean end of input (no bytes
// since the last message); an input that ends inside a line is a truncated
// message, an error.
func ReadMessage(br *bufio.Reader, limit int) (*Message, error) {
	line, err := readLine(br, limit)
	if err != nil {
		return nil, err
	}
	return DecodeMessage(line)
}

// readLine reads up to and including the next newline, failing once the
// line exceeds limit bytes.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(line)+len(frag) > limit {
			return nil, fmt.Errorf("message over the %d-byte limit", limit)
		}
		line = append(line, frag...)
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) == 0:
			return nil, io.EOF
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("truncated message: input ended after %d bytes without a newline: %q", len(line), clip(line, 80))
		default:
			return nil, fmt.Errorf("read message: %w", err)
		}
	}
}

// clip returns at most n bytes of b, marking a cut with "...".
func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}

// http2Name is mode's Hello spelling: empty for HTTP/1.1, so that a Hello
// without HTTP/2 is what it was before the field existed.
func http2Name(mode clients.HTTP2Mode) string {
	if mode == clients.HTTP1 {
		return ""
	}
	return mode.String()
}
