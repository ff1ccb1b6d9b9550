package clients

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// ErrorKind classifies why a request failed.
type ErrorKind string

// The kinds of failure a Result counts. Every failed request has exactly one.
const (
	// Refused: nothing listened at the target (ECONNREFUSED).
	Refused ErrorKind = "refused"
	// Timeout: the request did not complete within Config.Timeout.
	Timeout ErrorKind = "timeout"
	// Reset: the connection was reset or closed before the full response
	// arrived (ECONNRESET, EPIPE, unexpected EOF).
	Reset ErrorKind = "reset"
	// Status: the server answered with a status other than 2xx.
	Status ErrorKind = "status"
	// FDLimit: the client ran out of file descriptors (EMFILE, ENFILE).
	FDLimit ErrorKind = "fdlimit"
	// Canceled: the run's context ended before the request completed or
	// before it was issued.
	Canceled ErrorKind = "canceled"
	// Other: any failure not covered above.
	Other ErrorKind = "other"
)

// ErrorKinds lists every kind in a fixed order, for stable reports.
func ErrorKinds() []ErrorKind {
	return []ErrorKind{Refused, Timeout, Reset, Status, FDLimit, Canceled, Other}
}

// ParseErrorKind returns the kind named s.
func ParseErrorKind(s string) (ErrorKind, bool) {
	for _, k := range ErrorKinds() {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// ErrMalformed marks a response whose bytes are not HTTP (a server that
// speaks another protocol): Classify counts it as Other, whichever client
// read it, even when the connection closed right after.
var ErrMalformed = errors.New("malformed HTTP response")

// Classify returns the kind of a transport error. It never returns Status,
// which is decided from a response, not an error. A nil error is Other.
func Classify(err error) ErrorKind {
	switch {
	case err == nil, errors.Is(err, ErrMalformed):
		return Other
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return FDLimit
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF):
		return Reset
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return Timeout
	case errors.Is(err, context.Canceled):
		return Canceled
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Timeout
	}
	// Some transports report a peer's close only in words.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "connection reset"),
		strings.Contains(msg, "server closed"),
		strings.Contains(msg, "closed connection before returning the first response byte"):
		return Reset
	case strings.Contains(msg, "too many open files"):
		return FDLimit
	}
	return Other
}
