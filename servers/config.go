package servers

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// Defaults and limits of a Config. A zero field of Config means "the default".
const (
	// DefaultBody is the response body of the source experiment's Flask app.
	DefaultBody = "Hello!"
	// DefaultSigma is the lognormal shape parameter used when Config.Sigma is 0.
	DefaultSigma = 0.5
	// DefaultMaxDelay caps ?delay= and drawn delays when Config.MaxDelay is 0.
	DefaultMaxDelay = 10 * time.Minute
	// DefaultMaxBytes caps ?bytes= when Config.MaxBytes is 0.
	DefaultMaxBytes = 16 << 20
	// DefaultMaxBody caps request bodies when Config.MaxBody is 0.
	DefaultMaxBody = 1 << 20
	// DefaultReadHeaderTimeout bounds reading a request's headers when
	// Config.ReadHeaderTimeout is 0 (slowloris protection).
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultIdleTimeout closes a keep-alive connection idle this long when
	// Config.IdleTimeout is 0.
	DefaultIdleTimeout = 120 * time.Second

	// LimitCapacity is the largest accepted Config.Capacity.
	LimitCapacity = 1_000_000
	// LimitMaxDelay is the largest accepted Config.MaxDelay.
	LimitMaxDelay = 24 * time.Hour
	// LimitMaxBytes is the largest accepted Config.MaxBytes.
	LimitMaxBytes = 1 << 30
	// LimitMaxBody is the largest accepted Config.MaxBody.
	LimitMaxBody = 1 << 30
	// LimitSigma is the largest accepted Config.Sigma.
	LimitSigma = 4.0
	// LimitReadHeaderTimeout is the largest accepted Config.ReadHeaderTimeout.
	LimitReadHeaderTimeout = 10 * time.Minute
	// LimitIdleTimeout is the largest accepted Config.IdleTimeout.
	LimitIdleTimeout = time.Hour
)

// Dist names the distribution that per-request delays are drawn from. The
// configured (or ?delay= overridden) delay d is its scale parameter.
type Dist string

// The accepted distributions.
const (
	// DistFixed waits exactly d (the source experiment). The empty Dist means
	// DistFixed.
	DistFixed Dist = "fixed"
	// DistUniform draws from U[0, 2d] (mean d).
	DistUniform Dist = "uniform"
	// DistExp draws from an exponential distribution with mean d.
	DistExp Dist = "exp"
	// DistLognormal draws d·exp(σ·N(0,1)): median d, shape σ (Config.Sigma).
	DistLognormal Dist = "lognormal"
)

// Dists lists the accepted distributions in a stable order.
func Dists() []Dist { return []Dist{DistFixed, DistUniform, DistExp, DistLognormal} }

func (d Dist) valid() bool {
	switch d {
	case "", DistFixed, DistUniform, DistExp, DistLognormal:
		return true
	}
	return false
}

const distWant = "fixed, uniform, exp or lognormal"

// Config configures a Server. The zero Config is a server that answers
// "Hello!" at once with unlimited capacity.
type Config struct {
	// Delay is d, how long each request waits before it is answered (the
	// scale of Dist). Zero answers at once. 0..MaxDelay.
	Delay time.Duration
	// Body is the response body; empty means DefaultBody. ?bytes=N answers
	// N bytes made by repeating it. At most MaxBytes long.
	Body string
	// Capacity is k, how many requests may be in service at once; the rest
	// wait in a FIFO queue. 0 means unlimited (Flask threaded=True), 1 means
	// one at a time (Flask without threaded). 0..LimitCapacity.
	Capacity int
	// Dist is the delay distribution; empty means DistFixed.
	Dist Dist
	// Sigma is the lognormal shape; 0 means DefaultSigma. 0..LimitSigma.
	Sigma float64
	// Seed seeds the delay draws: the delay of the request with index i
	// (HeaderIndex; without it, the i-th request since the last reset) is
	// DrawDelay(Dist, d, Sigma, Seed, i), so runs reproduce.
	Seed uint64
	// MaxDelay caps ?delay= and drawn delays; 0 means DefaultMaxDelay.
	// 0..LimitMaxDelay.
	MaxDelay time.Duration
	// MaxBytes caps ?bytes=; 0 means DefaultMaxBytes. 0..LimitMaxBytes.
	MaxBytes int64
	// MaxBody caps request bodies (413 beyond); 0 means DefaultMaxBody.
	// 0..LimitMaxBody.
	MaxBody int64
	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's headers before its connection is closed (a slowloris
	// client is cut off); 0 means DefaultReadHeaderTimeout.
	// 0..LimitReadHeaderTimeout. Used by Server.HTTPServer.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long; 0 means
	// DefaultIdleTimeout. 0..LimitIdleTimeout. Used by Server.HTTPServer.
	IdleTimeout time.Duration
	// ErrorLog receives the http.Server's error log (rate-limited, see
	// Server.HTTPServer); nil means os.Stderr.
	ErrorLog io.Writer
}

// ConfigError reports a Config field that is out of its accepted range.
type ConfigError struct {
	Field  string // the Config field, e.g. "Delay"
	Value  string // the offending value, formatted
	Reason string // e.g. "is out of range"
	Want   string // the accepted range, e.g. "0s..10m0s"
}

// Error implements error: `Delay: -1s is out of range; want 0s..10m0s`.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: %s %s; want %s", e.Field, e.Value, e.Reason, e.Want)
}

// WithDefaults returns c with every zero field that has a default replaced by
// that default.
func (c Config) WithDefaults() Config {
	if c.Body == "" {
		c.Body = DefaultBody
	}
	if c.Dist == "" {
		c.Dist = DistFixed
	}
	if c.Sigma == 0 {
		c.Sigma = DefaultSigma
	}
	if c.MaxDelay == 0 {
		c.MaxDelay = DefaultMaxDelay
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	return c
}

// Validate reports the first field of c (with defaults applied) that is out
// of range, as a *ConfigError naming the field and its accepted range.
func (c Config) Validate() error {
	c = c.WithDefaults()
	outOfRange := func(field, value, want string) error {
		return &ConfigError{Field: field, Value: value, Reason: "is out of range", Want: want}
	}
	switch {
	case c.MaxDelay < 0 || c.MaxDelay > LimitMaxDelay:
		return outOfRange("MaxDelay", c.MaxDelay.String(), fmt.Sprintf("0s..%v (0 = %v)", LimitMaxDelay, DefaultMaxDelay))
	case c.Delay < 0 || c.Delay > c.MaxDelay:
		return outOfRange("Delay", c.Delay.String(), fmt.Sprintf("0s..%v", c.MaxDelay))
	case c.Capacity < 0 || c.Capacity > LimitCapacity:
		return outOfRange("Capacity", strconv.Itoa(c.Capacity), fmt.Sprintf("0..%d (0 = unlimited)", LimitCapacity))
	case !c.Dist.valid():
		return &ConfigError{Field: "Dist", Value: strconv.Quote(string(c.Dist)), Reason: "is not a distribution", Want: distWant}
	case math.IsNaN(c.Sigma) || c.Sigma < 0 || c.Sigma > LimitSigma:
		return outOfRange("Sigma", strconv.FormatFloat(c.Sigma, 'g', -1, 64), fmt.Sprintf("0..%g (0 = %g)", LimitSigma, DefaultSigma))
	case c.MaxBytes < 0 || c.MaxBytes > LimitMaxBytes:
		return outOfRange("MaxBytes", strconv.FormatInt(c.MaxBytes, 10), fmt.Sprintf("0..%d (0 = %d)", LimitMaxBytes, DefaultMaxBytes))
	case c.MaxBody < 0 || c.MaxBody > LimitMaxBody:
		return outOfRange("MaxBody", strconv.FormatInt(c.MaxBody, 10), fmt.Sprintf("0..%d (0 = %d)", LimitMaxBody, DefaultMaxBody))
	case c.ReadHeaderTimeout < 0 || c.ReadHeaderTimeout > LimitReadHeaderTimeout:
		return outOfRange("ReadHeaderTimeout", c.ReadHeaderTimeout.String(), fmt.Sprintf("0s..%v (0 = %v)", LimitReadHeaderTimeout, DefaultReadHeaderTimeout))
	case c.IdleTimeout < 0 || c.IdleTimeout > LimitIdleTimeout:
		return outOfRange("IdleTimeout", c.IdleTimeout.String(), fmt.Sprintf("0s..%v (0 = %v)", LimitIdleTimeout, DefaultIdleTimeout))
	case int64(len(c.Body)) > c.MaxBytes:
		return &ConfigError{Field: "Body", Value: fmt.Sprintf("%d bytes", len(c.Body)), Reason: "is too long", Want: fmt.Sprintf("1..%d bytes", c.MaxBytes)}
	}
	return nil
}
