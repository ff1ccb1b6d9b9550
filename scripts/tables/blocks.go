package main

import (
	"bytes"
	"fmt"
	"github.com/crawlbench/crawlbench/bench/resultset"
	"path/filepath"
	"slices"
	"strings"
)

// The kinds of table block: the full tables of a family's page, and the
// small ones (…summary) of README's front page.
const (
	kindSeed     = "seedtable"
	kindScale    = "scaletable"
	kindPeers    = "peerstable"
	kindConc     = "concurrencytable"
	kindHarness  = "harnesstable"
	kindSeedSum  = "seedsummary"
	kindScaleSum = "scalesummary"
	kindPeersSum = "peerssummary"
	kindConcSum  = "concurrencysummary"
	kindPython   = "pytable"
	kindPyScale  = "pyscaletable"
	kindFlask    = "flasktable"
)

// renderer returns kind's renderer and whether it takes several files.
func renderer(kind string) (render func([]source) (string, error), many, ok bool) {
	switch kind {
	case kindSeed:
		return func(s []source) (string, error) { return SeedTable(bytes.NewReader(s[0].data), s[0].name) }, false, true
	case kindSeedSum:
		return func(s []source) (string, error) { return SeedSummary(bytes.NewReader(s[0].data), s[0].name) }, false, true
	case kindScale:
		return ScaleTable, true, true
	case kindScaleSum:
		return ScaleSummary, true, true
	case kindPeers:
		return func(s []source) (string, error) { return PeersTable(s[0]) }, false, true
	case kindPeersSum:
		return func(s []source) (string, error) { return PeersSummary(s[0]) }, false, true
	case kindConc:
		return func(s []source) (string, error) { return ConcurrencyTable(s[0]) }, false, true
	case kindConcSum:
		return func(s []source) (string, error) { return ConcurrencySummary(s[0]) }, false, true
	case kindHarness:
		return HarnessTable, true, true
	case kindFlask:
		return FlaskTable, true, true
	case kindPyScale:
		return PyScaleTable, true, true
	case kindPython:
		return func(s []source) (string, error) { return PythonTable(s[0]) }, false, true
	case kindPitfalls:
		return func(s []source) (string, error) { return PitfallTable(s[0]) }, false, true
	case kindOpenLoop:
		return func(s []source) (string, error) { return OpenLoopTable(s[0]) }, false, true
	case kindBreakdown:
		return BreakdownTable, true, true
	case kindCrawl:
		return func(s []source) (string, error) { return CrawlTable(s[0]) }, false, true
	}
	return nil, false, false
}

// allKinds lists every kind, for an error message.
const allKinds = kindSeed + ", " + kindSeedSum + ", " + kindConc + ", " + kindConcSum + ", " + kindScale + ", " +
	kindScaleSum + ", " + kindPeers + ", " + kindPeersSum + ", " + kindHarness + ", " + kindPython + ", " + kindPyScale + ", " + kindFlask + ", " + kindPitfalls + ", " + kindOpenLoop + ", " + kindBreakdown + " or " + kindCrawl

// source is one results file a table reads: its name as shown (relative to
// the Markdown file) and its bytes.
type source struct {
	name string
	data []byte
}

// render makes a table of kind from files, named relative to dir.
func render(kind, dir string, files []string) (string, error) {
	draw, many, ok := renderer(kind)
	if !ok {
		return "", fmt.Errorf("unknown table kind %q: want %s", kind, allKinds)
	}
	if !many && len(files) != 1 {
		return "", fmt.Errorf("%s takes one results file, not %d", kind, len(files))
	}
	var srcs []source
	for i, f := range files {
		if slices.Contains(files[:i], f) {
			return "", fmt.Errorf("%s: %s given twice", kind, f)
		}
		b, err := resultset.ReadFile(filepath.Join(dir, filepath.FromSlash(f)), 0)
		if err != nil {
			return "", err
		}
		srcs = append(srcs, source{name: filepath.ToSlash(f), data: b})
	}
	return draw(srcs)
}

// SyncBlocks returns md with every table block's body regenerated from the
// results files its BEGIN marker names (relative to dir). A malformed
// block is an error and nothing is returned: a BEGIN whose END is missing
// or misspelt (another BEGIN, or the end of the file, comes first), an
// END without its BEGIN. A file with CRLF line endings is read and
// returned with CRLF endings.
func SyncBlocks(md []byte, dir string) ([]byte, error) {
	if bytes.Contains(md, []byte("\r\n")) {
		out, err := SyncBlocks(bytes.ReplaceAll(md, []byte("\r\n"), []byte("\n")), dir)
		if err != nil {
			return nil, err
		}
		return bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n")), nil
	}
	const begin, end = "<!-- BEGIN ", "<!-- END "
	var out bytes.Buffer
	rest := string(md)
	line := func(off int) int { return 1 + strings.Count(string(md[:len(md)-len(rest)+off]), "\n") }
	q := &quoter{dir: dir}
	prose := func(seg string) error { // rest[:len(seg)], outside any block
		s, err := q.syncQuotes(seg, line)
		out.WriteString(s)
		return err
	}
	for {
		i := strings.Index(rest, begin)
		if i < 0 {
			if j := strings.Index(rest, end); j >= 0 {
				return nil, fmt.Errorf("line %d: %q without a BEGIN marker before it", line(j), firstLine(rest[j:]))
			}
			if err := prose(rest); err != nil {
				return nil, err
			}
			return out.Bytes(), nil
		}
		if j := strings.Index(rest[:i], end); j >= 0 {
			return nil, fmt.Errorf("line %d: %q without a BEGIN marker before it", line(j), firstLine(rest[j:]))
		}
		eol := strings.Index(rest[i:], "-->\n")
		if eol < 0 {
			return nil, fmt.Errorf("line %d: unterminated %q marker: want %s<kind> <file>[,<file>...] --> on a line of its own", line(i), begin, begin)
		}
		header := rest[i : i+eol+len("-->\n")]
		fields := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(header, begin), "-->\n"))
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: marker %q: want %s<kind> <file>[,<file>...] -->", line(i), strings.TrimSpace(header), begin)
		}
		kind, files := fields[0], strings.Split(fields[1], ",")
		endMarker := end + kind + " -->"
		body := rest[i+len(header):]
		j := strings.Index(body, endMarker)
		next := strings.Index(body, begin)
		switch first := strings.Index(body, end); {
		case next >= 0 && (first < 0 || next < first):
			return nil, fmt.Errorf("line %d: %s block for %s has no %q before the next BEGIN marker (line %d); README left untouched",
				line(i), kind, fields[1], endMarker, line(i+len(header)+next))
		case first < 0:
			return nil, fmt.Errorf("line %d: %s block for %s has no %q before the end of the file; README left untouched",
				line(i), kind, fields[1], endMarker)
		case first != j:
			return nil, fmt.Errorf("line %d: %s block for %s ends with %q (line %d), want %q; README left untouched",
				line(i), kind, fields[1], firstLine(body[first:]), line(i+len(header)+first), endMarker)
		}
		table, err := render(kind, dir, files)
		if err != nil {
			return nil, fmt.Errorf("%s block %s: %w", kind, fields[1], err)
		}
		if err := prose(rest[:i]); err != nil {
			return nil, err
		}
		out.WriteString(header)
		out.WriteString(table)
		out.WriteString(endMarker)
		rest = body[j+len(endMarker):]
	}
}

// firstLine returns s up to its first newline.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
