package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The kinds of table block.
const (
	kindSeed  = "seedtable"
	kindScale = "scaletable"
	kindPeers = "peerstable"
	kindConc  = "concurrencytable"
)

// source is one results file a table reads: its name as shown (relative to
// the Markdown file) and its bytes.
type source struct {
	name string
	data []byte
}

// render makes a table of kind from files, named relative to dir.
func render(kind, dir string, files []string) (string, error) {
	if kind != kindSeed && kind != kindScale && kind != kindPeers && kind != kindConc {
		return "", fmt.Errorf("unknown table kind %q: want %s, %s, %s or %s", kind, kindSeed, kindScale, kindPeers, kindConc)
	}
	var srcs []source
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return "", err
		}
		srcs = append(srcs, source{name: filepath.ToSlash(f), data: b})
	}
	switch kind {
	case kindSeed:
		if len(srcs) != 1 {
			return "", fmt.Errorf("%s takes one results file, not %d", kind, len(srcs))
		}
		return SeedTable(bytes.NewReader(srcs[0].data), srcs[0].name)
	case kindScale:
		return ScaleTable(srcs)
	}
	if len(srcs) != 1 {
		return "", fmt.Errorf("%s takes one results file, not %d", kind, len(srcs))
	}
	if kind == kindConc {
		return ConcurrencyTable(srcs[0])
	}
	return PeersTable(srcs[0])
}

// SyncBlocks returns md with every table block's body regenerated from the
// results files its BEGIN marker names (relative to dir).
func SyncBlocks(md []byte, dir string) ([]byte, error) {
	const begin, end = "<!-- BEGIN ", "<!-- END "
	var out bytes.Buffer
	rest := string(md)
	for {
		i := strings.Index(rest, begin)
		if i < 0 {
			out.WriteString(rest)
			return out.Bytes(), nil
		}
		eol := strings.Index(rest[i:], "-->\n")
		if eol < 0 {
			return nil, fmt.Errorf("unterminated %q marker", begin)
		}
		header := rest[i : i+eol+len("-->\n")]
		fields := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(header, begin), "-->\n"))
		if len(fields) != 2 {
			return nil, fmt.Errorf("marker %q: want %s<kind> <file>[,<file>...] -->", strings.TrimSpace(header), begin)
		}
		kind, files := fields[0], strings.Split(fields[1], ",")
		endMarker := end + kind + " -->"
		j := strings.Index(rest[i:], endMarker)
		if j < 0 {
			return nil, fmt.Errorf("%s block for %s has no %q", kind, fields[1], endMarker)
		}
		table, err := render(kind, dir, files)
		if err != nil {
			return nil, fmt.Errorf("%s block %s: %w", kind, fields[1], err)
		}
		out.WriteString(rest[:i])
		out.WriteString(header)
		out.WriteString(table)
		out.WriteString(endMarker)
		rest = rest[i+j+len(endMarker):]
	}
}
