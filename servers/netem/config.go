// Package netem emulates a network in user space on a server's listener:
// one-way latency per direction (RTT/2 each way), a bandwidth per direction
// (serialisation time size / bandwidth, queued), and the connection set-up
// round trip that the kernel's loopback handshake skips. Because it wraps the
// server's side, every client (worker processes and Python included) passes
// through it. The design follows the idea of grpc-go's benchmark/latency
// package (timestamped chunks released by deadline), written anew here.
package netem

import (
	"fmt"
	"time"
)

// MaxRTT bounds Config.RTT and the -rtt flag.
const MaxRTT = 10 * time.Second

// MinBandwidth and MaxBandwidth bound a non-zero Config.Bandwidth (bytes per
// second): below 1 kB/s a response takes minutes; above 1 TB/s the
// serialisation time is below a timer's resolution.
const (
	MinBandwidth = 1_000
	MaxBandwidth = 1_000_000_000_000
)

// Config is an emulated path. RTT is the round-trip time (half of it is
// added to each direction); Bandwidth is bytes per second per connection and
// direction, 0 meaning unlimited. Bandwidth is not shared between
// connections: the emulated path has no common bottleneck link.
type Config struct {
	RTT       time.Duration
	Bandwidth int64
}

// Presets. Bandwidths are per connection and direction, chosen as what a
// single TCP flow typically gets on such a path, not a link's nameplate:
//   - loopback: nothing added (the listener is returned unwrapped).
//   - lan: 1 ms RTT, 1 Gbit/s (125 MB/s), switched gigabit Ethernet.
//   - wan: 40 ms RTT, 100 Mbit/s (12.5 MB/s), a same-continent path from a
//     broadband or cloud client, where the access link is the bottleneck.
//   - far: 200 ms RTT, 10 Mbit/s (1.25 MB/s), an intercontinental or
//     satellite path, where loss and window limits hold one flow far below
//     the link's rate.
var (
	Loopback = Config{}
	LAN      = Config{RTT: time.Millisecond, Bandwidth: 125_000_000}
	WAN      = Config{RTT: 40 * time.Millisecond, Bandwidth: 12_500_000}
	Far      = Config{RTT: 200 * time.Millisecond, Bandwidth: 1_250_000}
)

// PresetNames lists the names Preset accepts, in order of distance.
func PresetNames() []string { return []string{"loopback", "lan", "wan", "far"} }

// Preset returns the Config named name (one of PresetNames).
func Preset(name string) (Config, error) {
	switch name {
	case "loopback":
		return Loopback, nil
	case "lan":
		return LAN, nil
	case "wan":
		return WAN, nil
	case "far":
		return Far, nil
	}
	return Config{}, fmt.Errorf("netem preset %q: unknown; want one of %v", name, PresetNames())
}

// Validate reports the first field out of range, by name, with its range.
func (c Config) Validate() error {
	if c.RTT < 0 || c.RTT > MaxRTT {
		return fmt.Errorf("netem RTT %v: out of range; want 0..%v", c.RTT, MaxRTT)
	}
	if c.Bandwidth != 0 && (c.Bandwidth < MinBandwidth || c.Bandwidth > MaxBandwidth) {
		return fmt.Errorf("netem Bandwidth %d B/s: out of range; want 0 (unlimited) or %d..%d bytes per second",
			c.Bandwidth, MinBandwidth, MaxBandwidth)
	}
	return nil
}

// IsZero reports whether c adds nothing (loopback).
func (c Config) IsZero() bool { return c.RTT == 0 && c.Bandwidth == 0 }

// serialise is the time to put n bytes on the wire at c.Bandwidth.
func (c Config) serialise(n int) time.Duration {
	if c.Bandwidth == 0 || n == 0 {
		return 0
	}
	return time.Duration(int64(n) * int64(time.Second) / c.Bandwidth)
}
