package usage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Self is the pid argument that means this process.
const Self = 0

// userHZ is the unit of the CPU times in /proc/<pid>/stat: USER_HZ, which
// Linux fixes at 100 for user space on every architecture Go supports.
const userHZ = 100

// Proc is what /proc says about one process.
type Proc struct {
	RSS     int64         // resident set size (VmRSS), bytes
	PeakRSS int64         // peak resident set size (VmHWM) since start or ResetPeak, bytes
	Threads int64         // OS threads
	FDs     int64         // open file descriptors
	CPU     time.Duration // user + system CPU time, at 10 ms resolution
}

// procDir returns /proc/<pid> or /proc/self.
func procDir(pid int) string {
	if pid == Self {
		return "/proc/self"
	}
	return "/proc/" + strconv.Itoa(pid)
}

// ReadProc reads the process pid (Self for this one) from /proc.
func ReadProc(pid int) (Proc, error) {
	var p Proc
	dir := procDir(pid)
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return p, fmt.Errorf("usage: %w", err)
	}
	if p.RSS, p.PeakRSS, p.Threads, err = parseStatus(status); err != nil {
		return p, fmt.Errorf("usage: %s/status: %w", dir, err)
	}
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return p, fmt.Errorf("usage: %w", err)
	}
	if p.CPU, err = parseStatCPU(stat); err != nil {
		return p, fmt.Errorf("usage: %s/stat: %w", dir, err)
	}
	fds, err := CountFDs(pid, nil)
	if err != nil {
		return p, err
	}
	p.FDs = int64(fds)
	return p, nil
}

// parseStatus returns VmRSS and VmHWM in bytes and Threads from the text
// of /proc/<pid>/status.
func parseStatus(b []byte) (rss, hwm, threads int64, err error) {
	var haveRSS, haveHWM, haveThreads bool
	for line := range bytes.Lines(b) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		f := strings.Fields(string(v))
		switch string(k) {
		case "VmRSS", "VmHWM":
			if len(f) != 2 || f[1] != "kB" {
				return 0, 0, 0, fmt.Errorf("%s: %q, want N kB", k, bytes.TrimSpace(v))
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil || n < 0 {
				return 0, 0, 0, fmt.Errorf("%s: %q, want N kB", k, bytes.TrimSpace(v))
			}
			if string(k) == "VmRSS" {
				rss, haveRSS = n<<10, true
			} else {
				hwm, haveHWM = n<<10, true
			}
		case "Threads":
			n, err := strconv.ParseInt(strings.Join(f, ""), 10, 64)
			if err != nil || n < 0 {
				return 0, 0, 0, fmt.Errorf("threads line: %q, want a count", bytes.TrimSpace(v))
			}
			threads, haveThreads = n, true
		}
	}
	if !haveRSS || !haveHWM || !haveThreads {
		// A zombie has no Vm* lines.
		return 0, 0, 0, errors.New("no VmRSS, VmHWM or Threads line (has the process exited?)")
	}
	return rss, hwm, threads, nil
}

// parseStatCPU returns utime + stime from the text of /proc/<pid>/stat.
func parseStatCPU(b []byte) (time.Duration, error) {
	// The command name, field 2, is in parentheses and may hold anything;
	// the fields after the last ')' start with field 3 (state).
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return 0, errors.New("no ')' after the command name")
	}
	f := strings.Fields(string(b[end+1:]))
	// utime and stime are fields 14 and 15, i.e. f[11] and f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("CPU ticks %q: want a count", s)
		}
		ticks += n
	}
	return time.Duration(ticks) * (time.Second / userHZ), nil
}

// CountFDs counts the open file descriptors of process pid (Self for this
// one; when counting itself, the descriptor of the directory being read is
// not counted). buf, if not nil, is reused for reading the directory, so
// that a sampler does not allocate on every call.
func CountFDs(pid int, buf []byte) (int, error) {
	dir := procDir(pid) + "/fd"
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("usage: open %s: %w", dir, err)
	}
	defer unix.Close(fd)
	n, err := countDir(fd, buf)
	if err != nil {
		return 0, fmt.Errorf("usage: read %s: %w", dir, err)
	}
	if pid == Self {
		n-- // the directory we just read
	}
	return n, nil
}

// countDir counts the entries of the open directory fd from its start
// (it rewinds it first, so an fd kept open can be counted again).
func countDir(fd int, buf []byte) (int, error) {
	if _, err := unix.Seek(fd, 0, 0); err != nil {
		return 0, err
	}
	if len(buf) < 4096 {
		buf = make([]byte, 64<<10)
	}
	n := 0
	for {
		k, err := unix.Getdents(fd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if k == 0 {
			return n, nil
		}
		n += countDirents(buf[:k])
	}
}

// countDirents counts the linux_dirent64 records in b other than "." and
// "..". A record is d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1)
// and the NUL-terminated name.
func countDirents(b []byte) int {
	n := 0
	for len(b) >= 19 {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < 19 || reclen > len(b) {
			break
		}
		name := b[19:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if string(name) != "." && string(name) != ".." {
			n++
		}
		b = b[reclen:]
	}
	return n
}

// ResetPeak restarts the peak RSS (VmHWM) of process pid (Self for this
// one) from its current RSS, by writing 5 to /proc/<pid>/clear_refs.
func ResetPeak(pid int) error {
	path := procDir(pid) + "/clear_refs"
	if err := os.WriteFile(path, []byte("5"), 0); err != nil {
		return fmt.Errorf("usage: reset peak RSS: %w", err)
	}
	return nil
}

// SelfCPU returns this process's user + system CPU time from getrusage, at
// microsecond resolution. It does not include child processes.
func SelfCPU() (time.Duration, error) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("usage: getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
