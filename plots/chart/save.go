package chart

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Format selects the files Save writes.
type Format int

// The formats; Both is SVG|PNG.
const (
	SVG  Format = 1 << iota // base.svg
	PNG                     // base.png
	Both = SVG | PNG
)

// ParseFormat parses "svg", "png" or "both".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "svg":
		return SVG, nil
	case "png":
		return PNG, nil
	case "both":
		return Both, nil
	}
	return 0, fmt.Errorf("format %q: want svg, png or both", s)
}

// Save writes ch into the existing directory dir as base.svg and/or
// base.png, as f selects, and returns the paths written. A chart that fails
// to render leaves no file behind.
func Save(ch *Chart, dir, base string, f Format) ([]string, error) {
	if f&Both == 0 || f&^Both != 0 {
		return nil, fmt.Errorf("plots: save %s: invalid format %d", base, int(f))
	}
	if base == "" || strings.ContainsAny(base, `/\`) {
		return nil, fmt.Errorf("plots: save: base name %q: want a plain file name", base)
	}
	var paths []string
	for _, out := range []struct {
		f     Format
		ext   string
		write func(*Chart, *bytes.Buffer) error
	}{
		{SVG, ".svg", func(c *Chart, b *bytes.Buffer) error { return c.WriteSVG(b) }},
		{PNG, ".png", func(c *Chart, b *bytes.Buffer) error { return c.WritePNG(b) }},
	} {
		if f&out.f == 0 {
			continue
		}
		var buf bytes.Buffer
		if err := out.write(ch, &buf); err != nil {
			return paths, err
		}
		path := filepath.Join(dir, base+out.ext)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("plots: save: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}
