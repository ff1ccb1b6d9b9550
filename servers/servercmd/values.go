package servercmd

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crawlbench/crawlbench/servers"
)

// value is a flag.Value whose syntax errors name the accepted range, so that
// the flag package's message (`invalid value "x" for flag -capacity: not an
// integer; want 0..1000000`) is complete. Ranges are checked after parsing,
// by servers.Config.Validate.
type value[T any] struct {
	p     *T
	parse func(string) (T, error)
	kind  string // "an integer"
	want  string // "0..1000000"
}

func (v *value[T]) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return fmt.Sprint(*v.p)
}

func (v *value[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil {
		return fmt.Errorf("not %s; want %s", v.kind, v.want)
	}
	*v.p = x
	return nil
}

func durationValue(p *time.Duration, want string) *value[time.Duration] {
	return &value[time.Duration]{p: p, parse: time.ParseDuration, kind: "a duration such as 3s or 250ms", want: want}
}

func intValue(p *int, want string) *value[int] {
	return &value[int]{p: p, parse: strconv.Atoi, kind: "an integer", want: want}
}

func int64Value(p *int64, want string) *value[int64] {
	return &value[int64]{p: p, parse: func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }, kind: "an integer", want: want}
}

func uintValue(p *uint64) *value[uint64] {
	return &value[uint64]{p: p, parse: func(s string) (uint64, error) { return strconv.ParseUint(s, 0, 64) }, kind: "an unsigned integer", want: "0..18446744073709551615"}
}

func floatValue(p *float64, want string) *value[float64] {
	return &value[float64]{p: p, parse: func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }, kind: "a number", want: want}
}

func distValue(p *servers.Dist) *value[servers.Dist] {
	names := make([]string, 0, 4)
	for _, d := range servers.Dists() {
		names = append(names, string(d))
	}
	parse := func(s string) (servers.Dist, error) {
		for _, d := range servers.Dists() {
			if s == string(d) {
				return d, nil
			}
		}
		return "", fmt.Errorf("unknown distribution %q", s)
	}
	return &value[servers.Dist]{p: p, parse: parse, kind: "a distribution", want: strings.Join(names, ", ")}
}
