package leaktest

import (
	"os"
	"os/exec"
	"slices"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseStat(t *testing.T) {
	for in, want := range map[string][3]int{
		"42 (sleep) S 7 42 42 0":           {42, 7, 'S'},
		"9 (a) (b) c) R 1 9 9":             {9, 1, 'R'},
		"13 (two words) Z 12 13 13 0 -1 0": {13, 12, 'Z'},
	} {
		pid, ppid, state, ok := ParseStat([]byte(in))
		if !ok || pid != want[0] || ppid != want[1] || int(state) != want[2] {
			t.Errorf("ParseStat(%q) = %d, %d, %v; want %v", in, pid, ppid, ok, want)
		}
	}
	for _, bad := range []string{"", "x (a) S 1", "42 sleep S 7", "42 (a)"} {
		if _, _, _, ok := ParseStat([]byte(bad)); ok {
			t.Errorf("ParseStat(%q) accepted", bad)
		}
	}
}

func TestChildrenAndFDs(t *testing.T) {
	before := OpenFDs(t)
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if OpenFDs(t) != before+1 {
		t.Errorf("opening a file did not count")
	}
	f.Close()
	WaitFDs(t, before, "after close")

	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	if !slices.Contains(Children(t), cmd.Process.Pid) {
		t.Errorf("Children() lacks the running child %d", cmd.Process.Pid)
	}
	cmd.Process.Kill()
	cmd.Wait()
	WaitNoChildren(t, "after the child was reaped")
}
