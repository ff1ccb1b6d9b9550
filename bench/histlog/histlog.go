// Package histlog saves the merged latency histogram of every benchmark
// cell beside its results file, so that percentiles and latency
// distributions can be drawn later without running anything again.
//
// The file is an HdrHistogram interval log (format 1.3, the one
// HdrHistogram's Java, C and Go libraries and HistogramLogAnalyzer read):
// comment lines starting with '#', a legend line, then one line per
// histogram:
//
//	Tag=<cell>,<start s>,<length s>,<max ms>,<base64 compressed histogram>
//
// The tag is the cell's full benchmark name without the -GOMAXPROCS
// suffix (e.g. Seed/n=100/strategy=fanout/conn=warm); a cell run with
// -count 6 has six lines, one per run, in run order. Values are
// nanoseconds. The encoding is lossless: Read returns histograms equal,
// bucket for bucket, to those written.
package histlog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Ext is the extension of a histogram log: results/NAME.txt has its
// histograms in results/NAME.hlog.
const Ext = ".hlog"

// EnvPath is the environment variable through which scripts/runbench
// tells the benchmarks where the log of its run goes, when -histlog is
// not given.
const EnvPath = "CRAWLBENCH_HISTLOG"

// PathFor returns the histogram log path that belongs to the results file
// at path.
func PathFor(resultsPath string) string {
	return strings.TrimSuffix(resultsPath, ".txt") + Ext
}

// Entry is one histogram of a log: the cell it belongs to and its
// latencies.
type Entry struct {
	Cell string
	Hist *hdrhistogram.Histogram
}

// Writer appends histograms to a log. It is safe for concurrent use.
type Writer struct {
	mu    sync.Mutex
	f     io.Writer
	lw    *hdrhistogram.HistogramLogWriter
	start time.Time
}

// Create opens the log at path for appending, creating it with its header
// when it does not exist. Several benchmark binaries run one after the
// other by one `go test` append to the same log.
func Create(path string) (*Writer, *os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("histlog: open %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("histlog: %s: %w", path, err)
	}
	w := NewWriter(f)
	if st.Size() == 0 {
		if err := w.Header(); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("histlog: %s: %w", path, err)
		}
	}
	return w, f, nil
}

// NewWriter returns a Writer onto w. Call Header first on a new log.
func NewWriter(w io.Writer) *Writer {
	return &Writer{f: w, lw: hdrhistogram.NewHistogramLogWriter(w), start: time.Now()}
}

// Header writes the log's first lines: what it is, its format version and
// the legend.
func (w *Writer) Header() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.lw.OutputComment("crawlbench latency histograms, one per benchmark cell and run; values in ns; tag = cell name"); err != nil {
		return err
	}
	if err := w.lw.OutputLogFormatVersion(); err != nil {
		return err
	}
	return w.lw.OutputLegend()
}

// checkCell reports whether cell can be a tag: the log format separates
// fields with commas and ends a line at a newline.
func checkCell(cell string) error {
	if cell == "" || strings.ContainsAny(cell, ", \t\r\n") {
		return fmt.Errorf("cell %q: want a non-empty name without commas or white space", cell)
	}
	return nil
}

// Write appends h as one run of cell. h is not modified.
func (w *Writer) Write(cell string, h *hdrhistogram.Histogram) error {
	if err := checkCell(cell); err != nil {
		return fmt.Errorf("histlog: %w", err)
	}
	if h == nil {
		return fmt.Errorf("histlog: cell %s: nil histogram", cell)
	}
	c := h.Clone()
	c.SetTag(cell)
	now := time.Now()
	c.SetStartTimeMs(w.start.UnixMilli())
	c.SetEndTimeMs(now.UnixMilli())
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.lw.OutputIntervalHistogram(c); err != nil {
		return fmt.Errorf("histlog: write cell %s: %w", cell, err)
	}
	return nil
}

// MaxLogBytes caps what Read accepts: far more than any run writes (a
// histogram line is a few KB), small enough that /dev/zero or a wrong file
// fails fast.
const MaxLogBytes = 256 << 20

// Read returns every histogram of the log in r, in file order. name is
// used in errors. A line that is neither a comment, the legend nor a
// tagged histogram is an error naming its line number.
func Read(r io.Reader, name string) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(io.LimitReader(r, MaxLogBytes+1))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	var read int64
	for sc.Scan() {
		line++
		text := sc.Text()
		read += int64(len(text)) + 1
		if read > MaxLogBytes {
			return nil, fmt.Errorf("histlog: %s: larger than %d MB", name, MaxLogBytes>>20)
		}
		switch {
		case text == "", strings.HasPrefix(text, "#"), strings.HasPrefix(text, `"StartTimestamp"`):
			continue
		case !strings.HasPrefix(text, "Tag="):
			return nil, fmt.Errorf("histlog: %s:%d: want a Tag=CELL,... histogram line", name, line)
		}
		e, err := decodeLine(text)
		if err != nil {
			return nil, fmt.Errorf("histlog: %s:%d: %w", name, line, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("histlog: %s:%d: line longer than 16 MB", name, line+1)
		}
		return nil, fmt.Errorf("histlog: read %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("histlog: %s: no histograms", name)
	}
	return out, nil
}

// decodeLine decodes one "Tag=CELL,start,length,max,HIST..." line.
func decodeLine(text string) (Entry, error) {
	fields := strings.SplitN(strings.TrimPrefix(text, "Tag="), ",", 5)
	if len(fields) != 5 {
		return Entry{}, errors.New("want Tag=CELL,start,length,max,histogram")
	}
	if err := checkCell(fields[0]); err != nil {
		return Entry{}, err
	}
	h, err := hdrhistogram.Decode([]byte(fields[4]))
	if err != nil {
		return Entry{}, fmt.Errorf("cell %s: decode histogram: %w", fields[0], err)
	}
	return Entry{Cell: fields[0], Hist: h}, nil
}

// ReadFile reads the log at path. It must be a regular file.
func ReadFile(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("histlog: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("histlog: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("histlog: %s is not a regular file", path)
	}
	return Read(f, path)
}

// Merged returns one histogram per cell, every run of it added together,
// and the cells in first-seen order.
func Merged(entries []Entry) (map[string]*hdrhistogram.Histogram, []string, error) {
	out := map[string]*hdrhistogram.Histogram{}
	var order []string
	for _, e := range entries {
		m, ok := out[e.Cell]
		if !ok {
			out[e.Cell] = e.Hist.Clone()
			order = append(order, e.Cell)
			continue
		}
		if dropped := m.Merge(e.Hist); dropped != 0 {
			return nil, nil, fmt.Errorf("histlog: cell %s: %d values out of range when merging runs", e.Cell, dropped)
		}
	}
	return out, order, nil
}

// Quantile is one point of a percentile spectrum: the latency at or below
// which a fraction Q of the requests completed.
type Quantile struct {
	Q       float64 // 0..1
	Latency time.Duration
}

// Spectrum returns h's latency at the quantiles HdrHistogram's percentile
// distribution uses (ticks halving the distance to 100 %), up to maxQ
// (e.g. 0.9999) and the largest quantile the sample can support (a
// sample of n requests resolves 1 − 1/n at best). It returns nil for an
// empty histogram.
func Spectrum(h *hdrhistogram.Histogram, maxQ float64) []Quantile {
	n := h.TotalCount()
	if n == 0 {
		return nil
	}
	limit := min(maxQ, 1-1/float64(n))
	var out []Quantile
	const ticksPerHalf = 5
	for half := 0; ; half++ {
		lo := 1 - math.Pow(0.5, float64(half))
		hi := 1 - math.Pow(0.5, float64(half+1))
		for t := range ticksPerHalf {
			q := lo + (hi-lo)*float64(t)/ticksPerHalf
			if q > limit {
				return append(out, Quantile{Q: limit, Latency: time.Duration(h.ValueAtQuantile(limit * 100))})
			}
			out = append(out, Quantile{Q: q, Latency: time.Duration(h.ValueAtQuantile(q * 100))})
		}
	}
}
