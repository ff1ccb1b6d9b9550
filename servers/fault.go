package servers

import "math"

// Fault is a failure the slow endpoint injects into one request, chosen by
// the ?fail=, ?reset= and ?stall= query parameters (see [DrawFault]).
type Fault string

// The injectable faults.
const (
	// FaultNone: the request is answered normally.
	FaultNone Fault = ""
	// FaultFail answers 500 Internal Server Error after the request's delay
	// (?fail=F).
	FaultFail Fault = "fail"
	// FaultReset writes the response headers, announcing a Content-Length
	// larger than the part of the body it then writes, and resets the
	// connection (TCP RST, SO_LINGER 0) after the request's delay (?reset=F).
	FaultReset Fault = "reset"
	// FaultStall sends nothing until Config.MaxDelay has passed or the client
	// went away, then answers 503 Service Unavailable (?stall=F).
	FaultStall Fault = "stall"
)

// faultSalt separates the fault draw from the delay draw of the same
// request (DrawDelay), so the two are independent.
const faultSalt = 0x5fa17ed0c0ffee01

// FaultDraw returns the uniform number in [0, 1) that decides the fault of
// the request with arrival sequence number seq on a server seeded with
// seed. It is a pure function (SplitMix64 of seed and seq), so a run of
// requests 0..n-1 after a reset always injects the same faults, whatever
// order concurrent requests arrive in.
func FaultDraw(seed, seq uint64) float64 {
	x := splitmix64(splitmix64(seed^faultSalt) ^ seq)
	return float64(x>>11) / (1 << 53)
}

// DrawFault returns the fault of request seq on a server seeded with seed,
// for the fractions fail, reset and stall (each 0..1, together at most 1;
// see ParseParams): with u = FaultDraw(seed, seq), u < fail is FaultFail,
// u < fail+reset is FaultReset, u < fail+reset+stall is FaultStall, and
// anything else is FaultNone. A fraction of 1 hits every request, 0 none.
func DrawFault(seed, seq uint64, fail, reset, stall float64) Fault {
	if fail <= 0 && reset <= 0 && stall <= 0 {
		return FaultNone
	}
	u := FaultDraw(seed, seq)
	switch {
	case u < fail:
		return FaultFail
	case u < fail+reset:
		return FaultReset
	case u < fail+reset+stall:
		return FaultStall
	}
	return FaultNone
}

// validFraction reports whether f is a number in [0, 1].
func validFraction(f float64) bool {
	return !math.IsNaN(f) && f >= 0 && f <= 1
}
