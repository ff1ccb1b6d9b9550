package resultsfile

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeBench is a package of benchmarks that behave as the tests need: one
// finishes at once, one sleeps for ten minutes after saving its pid, one
// reports a failed request without failing, one fails.
const fakeBench = `package fake

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

func BenchmarkFast(b *testing.B) {
	for b.Loop() {
	}
}

func BenchmarkSlow(b *testing.B) {
	if err := os.WriteFile(os.Getenv("CRAWLBENCH_FAKE_PIDFILE"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		b.Fatal(err)
	}
	time.Sleep(10 * time.Minute)
}

func BenchmarkReqFail(b *testing.B) {
	fmt.Println("REQUESTS FAILED: 1 of 5 requests failed: refused=1")
	for b.Loop() {
	}
}

func BenchmarkFails(b *testing.B) {
	b.Fatal("broken")
}

func BenchmarkHist(b *testing.B) {
	if err := os.WriteFile(os.Getenv("CRAWLBENCH_HISTLOG"), []byte("#hist\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
	}
}
`

// fakeModule writes a module holding fakeBench in ./fake and a package
// that does not build in ./broken, and returns its root.
func fakeModule(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":                "module fake\n\ngo 1.24\n",
		"fake/fake_test.go":     fakeBench,
		"broken/broken_test.go": "package broken\n\nthis does not compile\n",
	}
	for name, src := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// gone reports whether pid has exited (a zombie counts: it runs nothing).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z")
}

// waitGone waits up to 15 s for pid to exit: a bound on a correctness
// property (the process must die), not a speed measurement.
func waitGone(pid int) bool {
	for range 150 {
		if gone(pid) {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// waitPid waits for the slow benchmark to write its pid.
func waitPid(t *testing.T, pidfile string, done <-chan struct{}) int {
	t.Helper()
	for {
		if b, err := os.ReadFile(pidfile); err == nil && len(b) > 0 {
			pid, err := strconv.Atoi(string(b))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
		select {
		case <-done:
			t.Fatal("the run ended before the slow benchmark started")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// An interrupted run stops the test binary (not only go), and keeps what
// it printed as <name>-INCOMPLETE.txt, marked incomplete, never under the
// normal name.
func TestRecordInterruptStopsTree(t *testing.T) {
	root, dir := fakeModule(t), t.TempDir()
	pidfile := filepath.Join(t.TempDir(), "pid")
	t.Setenv("CRAWLBENCH_FAKE_PIDFILE", pidfile)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		path string
		err  error
	}
	res := make(chan result, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p, err := Record(ctx, RecordOptions{Root: root, Label: "x", Dir: dir, Pkg: "./fake", TestArgs: []string{"-bench", "Fast|Slow", "-benchtime", "1x"}, Grace: 2 * time.Second})
		res <- result{p, err}
	}()
	pid := waitPid(t, pidfile, done)
	cancel()
	var r result
	select {
	case r = <-res:
	case <-time.After(30 * time.Second): // the bug this guards against hangs for ten minutes
		syscall.Kill(pid, syscall.SIGKILL)
		<-res
		t.Fatalf("Record did not return after its context ended: test binary %d outlived go", pid)
	}
	if !waitGone(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("test binary %d still runs after Record returned", pid)
	}
	if r.err == nil || !strings.HasSuffix(r.path, "-x"+IncompleteSuffix+".txt") {
		t.Fatalf("Record = %q, %v; want a -INCOMPLETE.txt file and an error", r.path, r.err)
	}
	b, err := os.ReadFile(r.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"BenchmarkFast", "\n" + IncompleteKey + ": true\n", ReasonKey + ": interrupted"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s lacks %q:\n%s", r.path, want, b)
		}
	}
	if got := files(t, dir); len(got) != 1 {
		t.Errorf("files left: %v, want only the incomplete file", got)
	}
}

func TestRecordOutcomes(t *testing.T) {
	root := fakeModule(t)
	for _, tt := range []struct {
		name, pkg, bench string
		suffix           string // "" no file
		marker           bool
		errWant          string
	}{
		{"success", "./fake", "Fast", ".txt", false, ""},
		{"failed request, exit 0", "./fake", "Fast|ReqFail", FailedSuffix + ".txt", true, "REQUESTS FAILED: 1 of 5"},
		{"failed benchmark", "./fake", "Fast|Fails", FailedSuffix + ".txt", true, "--- FAIL: BenchmarkFails"},
		{"no benchmark matches", "./fake", "NoSuch", "", false, "no benchmark result: it printed none"},
		{"setup failed", "./broken", ".", "", false, "no benchmark result: go test failed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path, err := Record(context.Background(), RecordOptions{Root: root, Label: "x", Dir: dir, Pkg: tt.pkg, TestArgs: []string{"-bench", tt.bench, "-benchtime", "1x"}})
			if (tt.errWant == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.errWant) {
				t.Fatalf("Record = %q, %v; want error %q", path, err, tt.errWant)
			}
			got := files(t, dir)
			if tt.suffix == "" {
				if path != "" || len(got) != 0 || !errors.Is(err, ErrNoBenchmark) {
					t.Fatalf("Record = %q, %v, files %v; want no file and ErrNoBenchmark", path, err, got)
				}
				return
			}
			if !strings.HasSuffix(path, "-x"+tt.suffix) || len(got) != 1 || filepath.Base(path) != got[0] {
				t.Fatalf("Record = %q, files %v; want one file ending -x%s", path, got, tt.suffix)
			}
			b, _ := os.ReadFile(path)
			if has := bytes.Contains(b, []byte(IncompleteKey+": true")); has != tt.marker {
				t.Errorf("%s: marker %v, want %v:\n%s", path, has, tt.marker, b)
			}
		})
	}
}

// The histogram log the benchmarks write where $CRAWLBENCH_HISTLOG says
// gets the results file's name, .hlog for .txt, whatever the outcome.
func TestRecordKeepsHistLog(t *testing.T) {
	root := fakeModule(t)
	for _, tt := range []struct{ bench, base string }{
		{"Hist", "-x"},
		{"Hist|Fails", "-x" + FailedSuffix},
	} {
		dir := t.TempDir()
		path, _ := Record(context.Background(), RecordOptions{Root: root, Label: "x", Dir: dir, Pkg: "./fake", TestArgs: []string{"-bench", tt.bench, "-benchtime", "1x"}})
		got := files(t, dir)
		stem := strings.TrimSuffix(filepath.Base(path), ".txt")
		if !strings.HasSuffix(stem, tt.base) || len(got) != 2 || got[0] != stem+".hlog" || got[1] != stem+".txt" {
			t.Errorf("-bench %s: files %v; want %s.hlog beside %s.txt", tt.bench, got, stem, stem)
		}
	}
}

// A second run of the same name never replaces the first, and neither
// does a name whose partial file is in use by another run.
func TestRecordNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	f, base, err := createPartial(dir, "a")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	f2, base2, err := createPartial(dir, "a")
	if err != nil {
		t.Fatal(err)
	}
	f2.Close()
	if filepath.Base(base) != "a" || filepath.Base(base2) != "a-2" {
		t.Errorf("bases %s, %s; want a, a-2", base, base2)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("taken"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := rename(f.Name(), base)
	if err != nil || filepath.Base(p) != "a-2.txt" {
		t.Errorf("rename onto a taken name = %q, %v; want a-2.txt", p, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.txt")); string(b) != "taken" {
		t.Error("rename replaced an existing file")
	}
}
