package resultset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"
)

// DefaultMaxBytes caps what ReadFile and ReadAll read: the largest
// committed results file is under 2 MB.
const DefaultMaxBytes = 64 << 20

// MaxLine is the longest line benchfmt reads (bufio.Scanner's default
// token size); a longer line is reported with its number.
const MaxLine = 64*1024 - 1

// ReadFile reads the results file at path: a regular file (not a FIFO, a
// device such as /dev/zero, or a directory) of at most maxBytes bytes
// (DefaultMaxBytes when maxBytes ≤ 0).
func ReadFile(path string, maxBytes int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("results file: %w", err)
	}
	if err := regular(path, st.Mode()); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("results file: %w", err)
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("results file %s: %w", path, err)
	}
	if err := regular(path, st.Mode()); err != nil {
		return nil, err
	}
	return ReadAll(f, path, maxBytes)
}

// regular reports a file mode that is not a regular file's.
func regular(path string, m os.FileMode) error {
	if m.IsRegular() {
		return nil
	}
	what := "not a regular file"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&os.ModeNamedPipe != 0:
		what = "a FIFO (named pipe)"
	case m&os.ModeDevice != 0 || m&os.ModeCharDevice != 0:
		what = "a device"
	case m&os.ModeSocket != 0:
		what = "a socket"
	}
	return fmt.Errorf("results file %s: %s, not a regular file: give a saved `go test -bench` output", path, what)
}

// ReadAll reads r (named name) up to maxBytes bytes (DefaultMaxBytes when
// maxBytes ≤ 0); more is an error.
func ReadAll(r io.Reader, name string, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	b, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > maxBytes {
		return nil, fmt.Errorf("results file %s: larger than %d MiB: not a results file", name, maxBytes>>20)
	}
	return b, nil
}

// Kind is what a Problem is about.
type Kind int

// The kinds of Problem.
const (
	// Unreadable: empty, binary, header-only, no benchmark results, a
	// line too long.
	Unreadable Kind = iota + 1
	Syntax          // a benchmark line benchfmt cannot parse
	Failed          // `--- FAIL`, `REQUESTS FAILED`, a `FAIL` line
	Errors          // an errors metric > 0
	Incomplete      // no final PASS/ok after `pkg:`, or crawlbench-incomplete: true
	NonFinite       // a NaN or ±Inf value
	Overhead        // overhead-x disagrees with sec/op ÷ ideal-sec
	MixedPkg        // a second pkg: line
	MixedProcs      // results at several GOMAXPROCS
)

var kindNames = map[Kind]string{
	Unreadable: "unreadable", Syntax: "syntax", Failed: "failed", Errors: "errors",
	Incomplete: "incomplete", NonFinite: "non-finite", Overhead: "overhead",
	MixedPkg: "mixed-pkg", MixedProcs: "mixed-gomaxprocs",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Problem is one thing a check found, at a line of a file (0: the whole
// file).
type Problem struct {
	Kind Kind
	File string
	Line int
	Text string
	Err  error // the underlying error, if any (a *benchfmt.SyntaxError for Syntax)
}

func (p Problem) Error() string {
	if p.Kind == Syntax && p.Err != nil {
		return "syntax error: " + p.Err.Error()
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Text)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Text)
}

// Unwrap returns the underlying error.
func (p Problem) Unwrap() error { return p.Err }

// Set is one results file, parsed and checked.
type Set struct {
	Name     string
	Results  []*benchfmt.Result // in file order; time units normalised to seconds
	Problems []Problem          // in file order, then whole-file findings
	config   map[string]string  // file configuration every result shares
	procs    []string           // distinct GOMAXPROCS, first-seen order
}

// Parse reads data (a results file named name) with benchfmt and checks
// it. It never fails: whatever is wrong is in Set.Problems.
func Parse(name string, data []byte) *Set {
	s := &Set{Name: name, config: map[string]string{}}
	add := func(k Kind, line int, format string, args ...any) {
		s.Problems = append(s.Problems, Problem{Kind: k, File: name, Line: line, Text: fmt.Sprintf(format, args...)})
	}
	if len(bytes.TrimSpace(data)) == 0 {
		add(Unreadable, 0, "empty input: want `go test -bench` output")
		return s
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data[:min(len(data), 1<<16)]) {
		add(Unreadable, 0, "binary data, not a results file: want `go test -bench` output")
		return s
	}
	lines := bytes.Split(data, []byte("\n"))
	failLines := map[int]bool{}
	var pkgs []string
	pass, sawPkg, configLines := false, false, 0
	for i, l := range lines {
		n := i + 1
		if len(l) > MaxLine {
			add(Unreadable, n, "line is %d bytes, longer than the %d a results line may be", len(l), MaxLine)
			return s
		}
		t := string(bytes.TrimSpace(l))
		switch {
		case strings.Contains(t, "--- FAIL"):
			failLines[n] = true
			add(Failed, n, "a benchmark failed: %s", clip(t))
		case strings.Contains(t, "REQUESTS FAILED"):
			add(Failed, n, "requests failed: %s", clip(t))
		case t == "FAIL" || strings.HasPrefix(t, "FAIL\t") || strings.HasPrefix(t, "FAIL "):
			add(Failed, n, "the run ended %q", clip(t))
		case t == "PASS" || strings.HasPrefix(t, "ok \t") || strings.HasPrefix(t, "ok  "):
			pass = true
		}
		// A configuration line starts at the line's start (a test's log
		// lines are indented).
		if k, v, ok := strings.Cut(strings.TrimRight(string(l), "\r"), ":"); ok && k != "" && !strings.ContainsAny(k, " \t") && !strings.HasPrefix(k, "Benchmark") {
			configLines++
			v = strings.TrimSpace(v)
			switch k {
			case KeyPkg:
				sawPkg = true
				if len(pkgs) > 0 {
					add(MixedPkg, n, "a second pkg: line (%s after %s): results of several runs or packages are merged", v, pkgs[0])
				}
				pkgs = append(pkgs, v)
			case KeyIncomplete:
				if v == "true" {
					add(Incomplete, n, "marked %s: true: the run did not finish", KeyIncomplete)
				}
			}
		}
	}

	mixed := map[string]bool{}
	r := benchfmt.NewReader(bytes.NewReader(data), name)
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			if !failLines[rec.Line] {
				e := *rec
				s.Problems = append(s.Problems, Problem{Kind: Syntax, File: name, Line: rec.Line, Text: rec.Msg, Err: &e})
			}
		case *benchfmt.Result:
			res := rec.Clone()
			s.check(res, add)
			for _, c := range res.Config {
				if !c.File {
					continue
				}
				if v, ok := s.config[c.Key]; ok && v != string(c.Value) {
					mixed[c.Key] = true
				} else if !ok {
					s.config[c.Key] = string(c.Value)
				}
			}
			s.Results = append(s.Results, res)
		}
	}
	if err := r.Err(); err != nil {
		add(Unreadable, 0, "%v", err)
	}
	for k := range mixed {
		delete(s.config, k)
	}
	if len(s.Results) == 0 && !s.Has(Syntax) && !s.Has(Failed) {
		switch {
		case configLines > 0:
			add(Unreadable, 0, "no benchmark results (header only: %d configuration lines)", configLines)
		default:
			add(Unreadable, 0, "no benchmark results: want `go test -bench` output (lines like \"BenchmarkSeed/n=5/strategy=fanout/conn=warm-2  10  52000000 ns/op ...\")")
		}
	}
	if len(s.procs) > 1 {
		add(MixedProcs, 0, "results at several GOMAXPROCS (%s, as after -cpu %s): they are kept apart by GOMAXPROCS",
			strings.Join(s.procs, ", "), strings.Join(s.procs, ","))
	}
	if sawPkg && !pass {
		add(Incomplete, 0, "no final PASS or ok line: the run did not finish (interrupted?)")
	}
	return s
}

// clip shortens a line for a message.
func clip(s string) string {
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}

// check normalises res's time units and reports its non-finite values,
// failed requests and an overhead-x that disagrees with its times.
func (s *Set) check(res *benchfmt.Result, add func(Kind, int, string, ...any)) {
	_, line := res.Pos()
	procs := gomaxprocs(res.Name)
	if !slices.Contains(s.procs, procs) {
		s.procs = append(s.procs, procs)
	}
	for i := range res.Values {
		v := &res.Values[i]
		if v.OrigUnit == "" {
			v.OrigUnit, v.OrigValue = v.Unit, v.Value
		}
		v.Value, v.Unit = normalise(v.Value, v.Unit)
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			add(NonFinite, line, "Benchmark%s: metric %s is %v: want a finite number", res.Name, v.OrigUnit, v.OrigValue)
		}
	}
	if e, ok := res.Value("errors"); ok && e > 0 {
		add(Errors, line, "Benchmark%s: %g failed requests", res.Name, e)
	}
	ox, ok1 := res.Value("overhead-x")
	wall, ok2 := res.Value("sec/op")
	ideal, ok3 := res.Value("ideal-sec")
	if ok1 && ok2 && ok3 && ideal > 0 && wall > 0 && ox > 0 && !math.IsInf(ox, 0) {
		if want := wall / ideal; math.Abs(ox-want) > 0.01*want+0.0015 {
			add(Overhead, line, "Benchmark%s: overhead-x %g disagrees with ns/op ÷ ideal-ns = %.4g", res.Name, ox, want)
		}
	}
}

// gomaxprocs returns the -N suffix of a benchmark name, "" when none.
func gomaxprocs(n benchfmt.Name) string {
	_, parts := n.Parts()
	if len(parts) > 0 && strings.HasPrefix(string(parts[len(parts)-1]), "-") {
		return string(parts[len(parts)-1][1:])
	}
	return ""
}

// perSecond is how many of a time prefix's unit make a second.
var perSecond = map[string]float64{"ns": 1e9, "us": 1e6, "µs": 1e6, "μs": 1e6, "ms": 1e3, "s": 1, "sec": 1}

// timePrefix returns the time unit of unit ("ms" of "ms/op" and of
// "p50-ms") and how many of it make a second.
func timePrefix(unit string) (string, float64, bool) {
	pre := unit
	if p, ok := strings.CutSuffix(unit, "/op"); ok {
		pre = p
	} else if i := strings.LastIndexByte(unit, '-'); i > 0 {
		pre = unit[i+1:]
	} else {
		return "", 0, false
	}
	f, ok := perSecond[pre]
	return pre, f, ok
}

// normalise tidies unit as benchstat does (ns → sec), and also converts
// the other time units go test output may carry ("ms/op", "p50-ms") to
// seconds, so that every reader finds a time under one unit.
func normalise(v float64, unit string) (float64, string) {
	v, unit = benchunit.Tidy(v, unit)
	pre, f, ok := timePrefix(unit)
	if !ok || pre == "sec" {
		return v, unit
	}
	if strings.HasSuffix(unit, "/op") {
		return v / f, "sec/op"
	}
	return v / f, strings.TrimSuffix(unit, pre) + "sec"
}

// Config returns the value of a file configuration key if every result
// shares it, else "".
func (s *Set) Config(key string) string { return s.config[key] }

// Provenance returns what the file says about its run.
func (s *Set) Provenance() Provenance { return provenanceOf(s.Config) }

// GOMAXPROCS returns the distinct GOMAXPROCS of the results, in order.
func (s *Set) GOMAXPROCS() []string { return slices.Clone(s.procs) }

// Err returns the problems whose kind is not in tolerate, joined, or nil.
// Unreadable, Syntax, Failed, Incomplete, NonFinite and Overhead make the
// numbers wrong; a reader tolerates only what it shows in words.
func (s *Set) Err(tolerate ...Kind) error {
	var errs []error
	for _, p := range s.Problems {
		if !slices.Contains(tolerate, p.Kind) {
			errs = append(errs, p)
		}
	}
	if len(errs) > 8 {
		n := len(errs)
		errs = append(errs[:8], fmt.Errorf("%s: and %d more problems", s.Name, n-8))
	}
	return errors.Join(errs...)
}

// ErrLine is Err on one line: at most three problems joined by "; ", then
// how many more there are; nil when there is none.
func (s *Set) ErrLine(tolerate ...Kind) error {
	var msgs []string
	n := 0
	for _, p := range s.Problems {
		if slices.Contains(tolerate, p.Kind) {
			continue
		}
		if n++; n <= 3 {
			msgs = append(msgs, p.Error())
		}
	}
	if n == 0 {
		return nil
	}
	if n > 3 {
		msgs = append(msgs, fmt.Sprintf("and %d more", n-3))
	}
	return errors.New(strings.Join(msgs, "; "))
}

// Warnings returns the problems of the kinds in kinds, as sentences.
func (s *Set) Warnings(kinds ...Kind) []string {
	var out []string
	for _, p := range s.Problems {
		if slices.Contains(kinds, p.Kind) {
			out = append(out, p.Error())
		}
	}
	return out
}

// Has reports whether s has a problem of kind k.
func (s *Set) Has(k Kind) bool {
	return slices.ContainsFunc(s.Problems, func(p Problem) bool { return p.Kind == k })
}

// Open reads and parses the results file at path (ReadFile, then Parse).
func Open(path string) (*Set, error) {
	b, err := ReadFile(path, 0)
	if err != nil {
		return nil, err
	}
	return Parse(path, b), nil
}
