package openloop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/clients"
	"github.com/crawlbench/crawlbench/clients/openloop"
)

// Vegeta is the vegeta go tool's name in this module (go.mod's tool
// directive pins github.com/tsenart/vegeta/v12).
const Vegeta = "vegeta"

// vegetaHit is the part of a vegeta result (`vegeta encode -to json`)
// that Metrics needs.
type vegetaHit struct {
	Seq       uint64        `json:"seq"`
	Code      int           `json:"code"`
	Timestamp time.Time     `json:"timestamp"`
	Latency   time.Duration `json:"latency"`
	Error     string        `json:"error"`
}

// VegetaResult reads vegeta's JSON results (one hit a line) of an attack
// at rate for duration into a Result with the same meaning as ours: hit
// seq's intended time is seq / rate after hit 0's timestamp (vegeta's
// pacer sends hit 0 at the attack's start), its lag its timestamp minus
// that, its uncorrected latency vegeta's, its corrected one the two
// added; hits never sent are Dropped. A hit with an error or a status
// outside 2xx is a failure, its kind read from vegeta's error text
// (VegetaKind); up to MaxVegetaTexts distinct texts are returned, so a
// failed cell can say what went wrong.
func VegetaResult(r io.Reader, rate float64, duration time.Duration) (*openloop.Result, []string, error) {
	var hits []vegetaHit
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var h vegetaHit
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			return nil, nil, fmt.Errorf("vegeta result %d: %w", len(hits)+1, err)
		}
		hits = append(hits, h)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("vegeta results: %w", err)
	}
	if len(hits) == 0 {
		return nil, nil, fmt.Errorf("vegeta results: none")
	}
	var t0 time.Time
	for _, h := range hits {
		if h.Seq == 0 {
			t0 = h.Timestamp
		}
	}
	if t0.IsZero() {
		return nil, nil, fmt.Errorf("vegeta results: no hit with seq 0")
	}
	res := NewTotal(Vegeta, rate)
	res.Duration = duration
	res.Scheduled = int64(math.Ceil(rate * duration.Seconds()))
	var texts []string
	for _, h := range hits {
		intended := time.Duration(float64(h.Seq) / rate * float64(time.Second))
		sent := h.Timestamp.Sub(t0)
		res.Sent++
		res.LastSend = max(res.LastSend, sent)
		lag := max(sent-intended, 0)
		recordTo(res.Lag, lag)
		if lag > openloop.DefaultTolerance {
			res.Late++
		}
		recordTo(res.Uncorrected, h.Latency)
		recordTo(res.Corrected, lag+h.Latency)
		switch {
		case h.Error != "" && h.Code == 0:
			res.Errors[VegetaKind(h.Error)]++
			if len(texts) < MaxVegetaTexts && !slices.Contains(texts, h.Error) {
				texts = append(texts, h.Error)
			}
		case h.Code < 200 || h.Code > 299:
			res.Errors[clients.Status]++
		default:
			res.OK++
		}
	}
	// vegeta does not send a hit whose time came after the attack's end
	// (its pacer fell behind): such a hit is dropped, as our MaxInFlight
	// drops are, not a failed request.
	if missing := res.Scheduled - res.Sent; missing > 0 {
		res.Dropped = missing
	} else {
		res.Scheduled = res.Sent
	}
	return res, texts, nil
}

// MaxVegetaTexts bounds the distinct error texts VegetaResult returns.
const MaxVegetaTexts = 3

// VegetaKind classifies a vegeta hit's error text as package clients
// classifies a Go error: vegeta reports only the text of net/http's error.
func VegetaKind(text string) clients.ErrorKind {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "connection refused"):
		return clients.Refused
	case strings.Contains(t, "timeout"), strings.Contains(t, "deadline exceeded"):
		return clients.Timeout
	case strings.Contains(t, "connection reset"), strings.Contains(t, "broken pipe"), strings.Contains(t, "eof"):
		return clients.Reset
	case strings.Contains(t, "too many open files"):
		return clients.FDLimit
	case strings.Contains(t, "context canceled"):
		return clients.Canceled
	}
	return clients.Other
}

// RunVegeta runs `go tool vegeta attack` at rate for duration against
// target (loopback only), in dir, and returns VegetaResult of its hits.
// moduleDir is where `go tool` finds go.mod's tool directive.
func RunVegeta(ctx context.Context, moduleDir, dir, target string, rate float64, duration, timeout time.Duration) (*openloop.Result, []string, error) {
	targets := filepath.Join(dir, "targets.txt")
	if err := os.WriteFile(targets, []byte("GET "+target+"\n"), 0o644); err != nil {
		return nil, nil, fmt.Errorf("vegeta: %w", err)
	}
	bin := filepath.Join(dir, "hits.bin")
	attack := exec.CommandContext(ctx, "go", "tool", Vegeta, "attack",
		"-rate", strconv.FormatFloat(rate, 'f', -1, 64)+"/1s", "-duration", duration.String(), "-timeout", timeout.String(),
		"-targets", targets, "-output", bin)
	attack.Dir = moduleDir
	var stderr bytes.Buffer
	attack.Stderr = &stderr
	if err := attack.Run(); err != nil {
		return nil, nil, fmt.Errorf("go tool vegeta attack: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	encode := exec.CommandContext(ctx, "go", "tool", Vegeta, "encode", "-to", "json", bin)
	encode.Dir = moduleDir
	stderr.Reset()
	encode.Stderr = &stderr
	out, err := encode.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("go tool vegeta encode: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return VegetaResult(bytes.NewReader(out), rate, duration)
}
