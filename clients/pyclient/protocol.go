package pyclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/crawlbench/crawlbench/clients"
)

// message is one line from the worker: ready, result or error.
type message struct {
	Type    string            `json:"type"`
	Python  string            `json:"python,omitempty"`  // ready
	Loop    string            `json:"loop,omitempty"`    // ready
	Seq     uint64            `json:"seq,omitempty"`     // result
	CostNS  int64             `json:"cost_ns,omitempty"` // result
	Reqs    [][5]int64        `json:"reqs,omitempty"`    // result: start_ns, lat_ns, code, nbytes, kind
	Samples map[string]string `json:"samples,omitempty"` // result: first message per kind
	Error   string            `json:"error,omitempty"`   // error: the traceback
}

// wireKinds are the worker's error kinds by index; 0 is a response.
var wireKinds = []clients.ErrorKind{"", clients.Refused, clients.Timeout, clients.Reset, clients.FDLimit, clients.Other}

// maxLatency is the top of the Result's histogram; longer values are
// clamped, as the Go clients do.
const maxLatency = int64(time.Hour)

// decodeMessage decodes one line strictly: known fields only, one value,
// a known type.
func decodeMessage(b []byte) (*message, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m message
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("bad line from the python worker %q: %w", snippet(b), err)
	}
	if dec.More() {
		return nil, fmt.Errorf("bad line from the python worker %q: trailing data", snippet(b))
	}
	switch m.Type {
	case "ready", "result", "error":
	default:
		return nil, fmt.Errorf("bad line from the python worker %q: unknown type %q", snippet(b), m.Type)
	}
	return &m, nil
}

// decodeResult turns a result message for a batch of n into a Result:
// every request's latency in the histogram (a timeout at exactly timeout,
// as the Go clients record it), a response outside 2xx counted as Status,
// the peak of requests in flight computed from their start and end times.
func decodeResult(name string, n int, timeout time.Duration, m *message) (*clients.Result, error) {
	if len(m.Reqs) != n {
		return nil, fmt.Errorf("result has %d requests, want %d", len(m.Reqs), n)
	}
	if m.CostNS < 0 {
		return nil, fmt.Errorf("result: negative cost time %d", m.CostNS)
	}
	res := clients.NewResult(name)
	res.Requests = int64(n)
	type event struct {
		t     int64
		delta int64
	}
	events := make([]event, 0, 2*n)
	for i, r := range m.Reqs {
		start, lat, code, nbytes, ki := r[0], r[1], r[2], r[3], r[4]
		switch {
		case lat < 0 || nbytes < 0 || start < 0:
			return nil, fmt.Errorf("request %d: negative start, latency or size %v", i, r)
		case ki < 0 || ki >= int64(len(wireKinds)):
			return nil, fmt.Errorf("request %d: error kind %d, want 0..%d", i, ki, len(wireKinds)-1)
		case ki == 0 && (code < 100 || code > 999):
			return nil, fmt.Errorf("request %d: status code %d", i, code)
		case ki != 0 && code != 0:
			return nil, fmt.Errorf("request %d: both status %d and an error", i, code)
		}
		events = append(events, event{start, 1}, event{start + lat, -1})
		kind := wireKinds[ki]
		if kind == clients.Timeout {
			lat = int64(timeout)
		}
		if err := res.Latency.RecordValue(min(lat, maxLatency)); err != nil {
			return nil, fmt.Errorf("request %d: latency %d: %w", i, lat, err)
		}
		res.Bytes += nbytes
		if code > 0 {
			res.Codes[int(code)]++
		}
		msg := m.Samples[string(kind)]
		if kind == "" {
			if code >= 200 && code <= 299 {
				res.OK++
				continue
			}
			kind, msg = clients.Status, statusText(int(code))
		}
		res.Errors[kind]++
		if _, ok := res.Samples[kind]; !ok {
			if msg == "" {
				msg = "(no message from python)"
			}
			res.Samples[kind] = msg
		}
	}
	sort.Slice(events, func(i, j int) bool {
		if events[i].t != events[j].t {
			return events[i].t < events[j].t
		}
		return events[i].delta < events[j].delta // an end before a start at the same instant
	})
	var cur int64
	for _, e := range events {
		cur += e.delta
		res.MaxInFlight = max(res.MaxInFlight, cur)
	}
	if err := res.Check(); err != nil {
		return nil, errors.Join(errors.New("result from the python worker"), err)
	}
	return res, nil
}

// statusText describes a non-2xx status, as the Go clients' samples do.
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("HTTP %d %s", code, t)
	}
	return fmt.Sprintf("HTTP %d", code)
}

// snippet shortens a line for an error message.
func snippet(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(bytes.TrimRight(b, "\n"))
}
