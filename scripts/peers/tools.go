package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// measurement is one tool's run at one connection count.
type measurement struct {
	tool   string
	c      int
	round  int
	rps    float64       // successful (2xx) requests per second
	p99    time.Duration // 99th percentile latency
	total  int64         // requests completed, failed ones included
	errors int64         // failed requests: transport errors and non-2xx answers
	wall   time.Duration // how long the run took, as the tool reports it
	cpu    time.Duration // the load generator's user + system CPU time
	cmd    string        // the command line, or a description for ours
	raw    string        // the tool's output
}

// cpuPer1k returns the load generator's CPU milliseconds per 1000
// requests.
func (m measurement) cpuPer1k() float64 {
	if m.total == 0 {
		return 0
	}
	return float64(m.cpu.Microseconds()) / 1000 / (float64(m.total) / 1000)
}

var (
	wrkRPS      = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)\s*$`)
	wrkP99      = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s|m|h)\s*$`)
	wrkTotal    = regexp.MustCompile(`(?m)^\s+(\d+) requests in ([0-9.]+)(us|ms|s|m|h),`)
	wrkSocket   = regexp.MustCompile(`(?m)^\s+Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`(?m)^\s+Non-2xx or 3xx responses: (\d+)\s*$`)
	heyRPS      = regexp.MustCompile(`(?m)^\s+Requests/sec:\s+([0-9.]+)\s*$`)
	heyTotal    = regexp.MustCompile(`(?m)^\s+Total:\s+([0-9.]+) secs\s*$`)
	heyP99      = regexp.MustCompile(`(?m)^\s+99%%? in ([0-9.]+) secs\s*$`)
	heyStatus   = regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+(\d+) responses\s*$`)
	heyErrLine  = regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+.*$`)
	wrkDuration = map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour}
)

// wrkTime converts a number and a wrk unit (us, ms, s, m, h).
func wrkTime(num, unit string) (time.Duration, error) {
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("time %q%s: want a number", num, unit)
	}
	return time.Duration(v * float64(wrkDuration[unit])), nil
}

// parseWrk reads `wrk --latency` output into m.
func parseWrk(out string, m *measurement) error {
	rps := wrkRPS.FindStringSubmatch(out)
	p99 := wrkP99.FindStringSubmatch(out)
	total := wrkTotal.FindStringSubmatch(out)
	if rps == nil || p99 == nil || total == nil {
		return errors.New("wrk output: no Requests/sec, 99% latency or request count (was --latency given?)")
	}
	var err error
	if m.p99, err = wrkTime(p99[1], p99[2]); err != nil {
		return fmt.Errorf("wrk output: 99%%: %w", err)
	}
	if m.wall, err = wrkTime(total[2], total[3]); err != nil {
		return fmt.Errorf("wrk output: duration: %w", err)
	}
	m.total, _ = strconv.ParseInt(total[1], 10, 64)
	if s := wrkSocket.FindStringSubmatch(out); s != nil {
		for _, v := range s[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			m.errors += n
		}
	}
	if s := wrkNon2xx.FindStringSubmatch(out); s != nil {
		n, _ := strconv.ParseInt(s[1], 10, 64)
		m.errors += n
	}
	// wrk's Requests/sec counts every response; count only the good ones,
	// as for the other tools.
	all, _ := strconv.ParseFloat(rps[1], 64)
	if m.total > 0 {
		m.rps = all * float64(m.total-min(m.errors, m.total)) / float64(m.total)
	}
	return nil
}

// parseHey reads hey's summary output into m.
func parseHey(out string, m *measurement) error {
	rps := heyRPS.FindStringSubmatch(out)
	p99 := heyP99.FindStringSubmatch(out)
	wall := heyTotal.FindStringSubmatch(out)
	if rps == nil || p99 == nil || wall == nil {
		return errors.New("hey output: no Requests/sec, Total or 99% latency line")
	}
	secs, err := strconv.ParseFloat(p99[1], 64)
	if err != nil {
		return fmt.Errorf("hey output: 99%%: %w", err)
	}
	m.p99 = time.Duration(secs * float64(time.Second))
	secs, err = strconv.ParseFloat(wall[1], 64)
	if err != nil || secs <= 0 {
		return fmt.Errorf("hey output: Total %q: want seconds > 0", wall[1])
	}
	m.wall = time.Duration(secs * float64(time.Second))
	var ok int64
	status, errs, _ := strings.Cut(out, "Error distribution:")
	for _, s := range heyStatus.FindAllStringSubmatch(status, -1) {
		code, _ := strconv.Atoi(s[1])
		n, _ := strconv.ParseInt(s[2], 10, 64)
		m.total += n
		if code >= 200 && code <= 299 {
			ok += n
		} else {
			m.errors += n
		}
	}
	if errs != "" {
		for _, s := range heyErrLine.FindAllStringSubmatch(errs, -1) {
			n, _ := strconv.ParseInt(s[1], 10, 64)
			m.total += n
			m.errors += n
		}
	}
	m.rps = float64(ok) / m.wall.Seconds()
	return nil
}

// bombardierJSON is the part of `bombardier -o json -l` output used here.
type bombardierJSON struct {
	Result struct {
		TimeTakenSeconds float64 `json:"timeTakenSeconds"`
		Req1xx           int64   `json:"req1xx"`
		Req2xx           int64   `json:"req2xx"`
		Req3xx           int64   `json:"req3xx"`
		Req4xx           int64   `json:"req4xx"`
		Req5xx           int64   `json:"req5xx"`
		Others           int64   `json:"others"`
		Latency          struct {
			Percentiles map[string]float64 `json:"percentiles"` // microseconds
		} `json:"latency"`
	} `json:"result"`
}

// parseBombardier reads `bombardier -p r -o json -l` output into m.
func parseBombardier(out string, m *measurement) error {
	i := strings.IndexByte(out, '{')
	if i < 0 {
		return errors.New("bombardier output: no JSON object")
	}
	var b bombardierJSON
	if err := json.NewDecoder(strings.NewReader(out[i:])).Decode(&b); err != nil {
		return fmt.Errorf("bombardier output: %w", err)
	}
	r := b.Result
	p99, ok := r.Latency.Percentiles["99"]
	if !ok || r.TimeTakenSeconds <= 0 {
		return errors.New("bombardier output: no 99th percentile latency or no time taken (was -l given?)")
	}
	m.p99 = time.Duration(p99 * float64(time.Microsecond))
	m.wall = time.Duration(r.TimeTakenSeconds * float64(time.Second))
	// A request that failed without a status is counted in Others (and
	// described in Errors): Others already counts it.
	m.errors = r.Req1xx + r.Req3xx + r.Req4xx + r.Req5xx + r.Others
	m.total = r.Req2xx + m.errors
	m.rps = float64(r.Req2xx) / r.TimeTakenSeconds
	return nil
}
