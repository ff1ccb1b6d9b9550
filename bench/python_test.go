package bench

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crawlbench/crawlbench/bench/harness"
	"github.com/crawlbench/crawlbench/clients/pyclient"
	"github.com/crawlbench/crawlbench/clients/strategy"
	"github.com/crawlbench/crawlbench/servers/flaskserver"
)

// pySeedRows selects BenchmarkSeed's n = 5 Python rows.
const pySeedRows = "^BenchmarkSeed$/^n=5$/^strategy=py-"

// needPython skips the test, in one line naming the package, unless
// Debian's python3 runs every Python strategy (and Flask, with flask).
func needPython(t *testing.T, flask bool) {
	t.Helper()
	for _, d := range strategy.All() {
		if d.IsPython() {
			if err := pyclient.Check(t.Context(), "", d.PyKind); err != nil {
				t.Skip(err)
			}
		}
	}
	if flask {
		if err := flaskserver.Check(t.Context(), ""); err != nil {
			t.Skip(err)
		}
	}
}

// benchRows parses the benchmark result lines of out: each sub-benchmark's
// name (without the -GOMAXPROCS suffix) and its metrics by unit.
func benchRows(out string) map[string]map[string]float64 {
	rows := map[string]map[string]float64{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		name := f[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		m := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			m[f[i+1]] = v
		}
		rows[name] = m
	}
	return rows
}

// The n = 5 Python rows run at d = 20 ms against the bundled server and
// against the seed's Flask app, with 0 errors and every metric of a Go row
// plus py-cost-ns and startup-ns.
func TestPythonSeedRows(t *testing.T) {
	for _, server := range []harness.ServerKind{harness.ServerSlow, harness.ServerFlask} {
		t.Run(string(server), func(t *testing.T) {
			needPython(t, server.IsFlask())
			code, out := runSelf(t, "-test.bench", pySeedRows, "-test.benchtime", "1x", "-delay", "20ms", "-server", string(server))
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			rows := benchRows(out)
			for _, s := range strategy.Names(strategy.FamilyPython) {
				for _, conn := range []string{"warm", "cold"} {
					name := "BenchmarkSeed/n=5/strategy=" + s + "/conn=" + conn
					m, ok := rows[name]
					if !ok {
						t.Errorf("no row %s:\n%s", name, out)
						continue
					}
					for _, unit := range []string{"ns/op", "errors", "ideal-ns", "overhead-x", "p50-ns", "p99-ns", "max-ns", "req/s", "srv-inflight", "py-cost-ns", "startup-ns"} {
						if _, ok := m[unit]; !ok {
							t.Errorf("%s lacks %s: %v", name, unit, m)
						}
					}
					if m["errors"] != 0 || m["py-cost-ns"] <= 0 || m["py-cost-ns"] > m["ns/op"] || m["startup-ns"] <= 0 {
						t.Errorf("%s: %v errors, py-cost-ns %v (want in (0, ns/op %v]), startup-ns %v", name, m["errors"], m["py-cost-ns"], m["ns/op"], m["startup-ns"])
					}
				}
			}
		})
	}
}

// Single-threaded Flask serialises a fan-out, Go's or Python's: one request
// in service at a time, the model's ideal n·d (k = 1), and no batch faster.
func TestFlaskSingleSerialisesFanout(t *testing.T) {
	needPython(t, true)
	const n, d = 5, 20 * time.Millisecond
	code, out := runSelf(t, "-test.bench", "^BenchmarkSeed$/^n=5$/^strategy=(fanout|py-aiohttp)$", "-test.benchtime", "1x",
		"-delay", d.String(), "-server", string(harness.ServerFlaskSingle))
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	rows := benchRows(out)
	if len(rows) != 4 {
		t.Fatalf("%d rows, want fanout and py-aiohttp, warm and cold:\n%s", len(rows), out)
	}
	for name, m := range rows {
		if m["errors"] != 0 || m["srv-inflight"] != 1 || m["ideal-ns"] != float64(n*d) || m["ns/op"] < float64(n*d) {
			t.Errorf("%s: errors %v, srv-inflight %v, ideal-ns %v, ns/op %v; want 0, 1, n·d = %v and at least n·d",
				name, m["errors"], m["srv-inflight"], m["ideal-ns"], m["ns/op"], float64(n*d))
		}
	}
}

// fakePython writes an interpreter that runs Debian's python3 with the
// given modules (name → source) first on its path, and returns its path.
func fakePython(t *testing.T, modules map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range modules {
		pkg := filepath.Join(dir, "lib", name)
		if err := os.MkdirAll(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, "__init__.py"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	py := filepath.Join(dir, "python3")
	sh := "#!/bin/sh\nPYTHONPATH=" + filepath.Join(dir, "lib") + " exec " + pyclient.DefaultPython + " \"$@\"\n"
	if err := os.WriteFile(py, []byte(sh), 0o755); err != nil {
		t.Fatal(err)
	}
	return py
}

// A missing module skips the rows that need it, in one line naming the
// Debian package, and every other row still runs.
func TestMissingModuleSkipsItsRows(t *testing.T) {
	needPython(t, false)
	py := fakePython(t, map[string]string{"aiohttp": "raise ModuleNotFoundError(\"No module named 'aiohttp'\")\n"})
	code, out := runSelf(t, "-test.v", "-test.bench", "^BenchmarkSeed$/^n=5$/^strategy=(fanout|py-sequential|py-aiohttp)$",
		"-test.benchtime", "1x", "-delay", "20ms", "-python", py)
	if code != 0 {
		t.Fatalf("exit %d, want 0 (skipped rows do not fail):\n%s", code, out)
	}
	rows := benchRows(out)
	for _, s := range []string{strategy.Fanout, strategy.PySequential} {
		for _, conn := range []string{"warm", "cold"} {
			if m, ok := rows["BenchmarkSeed/n=5/strategy="+s+"/conn="+conn]; !ok || m["errors"] != 0 {
				t.Errorf("row %s/%s: %v, %v; want it run with 0 errors:\n%s", s, conn, m, ok, out)
			}
		}
	}
	for _, conn := range []string{"warm", "cold"} {
		if !strings.Contains(out, "--- SKIP: BenchmarkSeed/n=5/strategy="+strategy.PyAioHTTP+"/conn="+conn) {
			t.Errorf("py-aiohttp %s not skipped:\n%s", conn, out)
		}
	}
	var why []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "install python3-") {
			why = append(why, strings.TrimSpace(l))
		}
	}
	if len(why) != 2 || !strings.Contains(why[0], "py-aiohttp skipped") || !strings.Contains(why[0], "install python3-aiohttp") {
		t.Errorf("skip lines %q, want one per skipped row naming py-aiohttp and python3-aiohttp", why)
	}
}

// A Python exception in a worker fails the benchmark, naming the strategy
// and quoting the traceback's tail.
func TestPythonExceptionFailsTheBenchmark(t *testing.T) {
	needPython(t, false)
	py := fakePython(t, map[string]string{"requests": `
class FakeRequestsBroke(BaseException):
    pass

class Session:
    trust_env = True

    def get(self, *args, **kwargs):
        raise FakeRequestsBroke("the fake requests module broke")

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
`})
	code, out := runSelf(t, "-test.bench", "^BenchmarkSeed$/^n=5$/^strategy=py-sequential$/^conn=warm$", "-test.benchtime", "1x", "-delay", "20ms", "-python", py)
	if code == 0 {
		t.Fatalf("exit 0 with a raising worker:\n%s", out)
	}
	for _, w := range []string{"--- FAIL: BenchmarkSeed/n=5/strategy=py-sequential/conn=warm", "pyclient: py-sequential: Python exception in the worker", "Traceback", "FakeRequestsBroke: the fake requests module broke"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}
