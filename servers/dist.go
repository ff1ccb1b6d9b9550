package servers

import (
	"math"
	"math/rand/v2"
	"time"
)

// DrawDelay returns the delay of the request numbered seq for a server
// whose delay distribution is dist with scale d (and lognormal shape sigma;
// 0 means DefaultSigma), seeded with seed. The Server passes the index the
// client sent in HeaderIndex, or the request's arrival sequence number
// since the last stats reset when it sent none.
//
// It is a pure function: the same arguments always give the same delay, and
// draws for different seq are independent. It uses a counter-based draw (a
// PCG generator seeded from (seed, seq) through a SplitMix64 finaliser), so a
// request that carries its index gets the same delay whatever order
// concurrent requests arrive in, and a model can compute a batch's ideal
// from the indices alone. The
// result is never negative; it saturates at the largest time.Duration rather
// than overflowing (the Server then caps it at Config.MaxDelay). An unknown
// dist is treated as DistFixed.
func DrawDelay(dist Dist, d time.Duration, sigma float64, seed, seq uint64) time.Duration {
	if d <= 0 {
		return 0
	}
	switch dist {
	case DistUniform, DistExp, DistLognormal:
	default:
		return d
	}
	r := rand.New(rand.NewPCG(splitmix64(seed), splitmix64(seq^0x9e3779b97f4a7c15)))
	var x float64
	switch dist {
	case DistUniform:
		x = 2 * r.Float64()
	case DistExp:
		x = r.ExpFloat64()
	case DistLognormal:
		if sigma == 0 {
			sigma = DefaultSigma
		}
		x = math.Exp(sigma * r.NormFloat64())
	}
	return scale(d, x)
}

// scale returns d·x rounded to the nanosecond, saturating at the largest
// time.Duration; x must not be negative.
func scale(d time.Duration, x float64) time.Duration {
	f := float64(d) * x
	if math.IsNaN(f) || f <= 0 {
		return 0
	}
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(math.Round(f))
}

// splitmix64 is the SplitMix64 finaliser: it spreads nearby inputs (seeds 1
// and 2, sequence numbers i and i+1) over the whole 64-bit space.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
