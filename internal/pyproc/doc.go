// Package pyproc runs a Python program as a child process driven by JSON
// lines, the plumbing shared by clients/pyclient (the seed's client
// strategies) and clients/pycrawl (the Python crawlers): the process in its
// own process group, killed with its parent and with everything it forked;
// its stdin and stdout as pipes, one JSON line per message; its stderr
// tail for error messages; a check that the interpreter imports the
// modules a program needs.
//
// Prelude is Python both programs start with: out (one JSON line on
// stdout), classify (a failed request's exception as the Go clients'
// error kind), die_with_parent (for forked processes) and run_main (an
// exception becomes an error line and exit status 1).
package pyproc
