# crawlbench's shared Python prelude (package internal/pyproc): prepended to
# clients/pyclient's worker.py and clients/pycrawl's crawler.py.

import errno
import json
import sys
import traceback

RESET_NAMES = {
    "ServerDisconnectedError", "RemoteDisconnected", "ProtocolError", "ChunkedEncodingError",
    "ClientPayloadError", "RemoteProtocolError", "ReadError", "WriteError", "IncompleteRead",
    "ConnectionResetError", "BrokenPipeError", "ConnectionAbortedError", "ContentLengthError",
}


def out(msg):
    sys.stdout.write(json.dumps(msg, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def chain(exc):
    """Yields exc and every exception it wraps (cause, context, reason, os_error, args)."""
    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        for attr in ("__cause__", "__context__", "reason", "os_error"):
            stack.append(getattr(e, attr, None))
        stack.extend(getattr(e, "args", ()))


def classify(exc):
    """Returns the kind of a failed request's exception, as the Go clients classify errors."""
    excs = list(chain(exc))
    for e in excs:
        if isinstance(e, OSError) and e.errno is not None:
            if e.errno == errno.ECONNREFUSED:
                return "refused"
            if e.errno in (errno.EMFILE, errno.ENFILE):
                return "fdlimit"
            if e.errno in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
                return "reset"
            if e.errno == errno.ETIMEDOUT:
                return "timeout"
    for e in excs:
        if isinstance(e, TimeoutError) or "Timeout" in type(e).__name__:
            return "timeout"
    for e in excs:
        if type(e).__name__ in RESET_NAMES:
            return "reset"
    msg = " ".join(str(e) for e in excs).lower()
    if "too many open files" in msg:
        return "fdlimit"
    if "connection refused" in msg:
        return "refused"
    if "timed out" in msg:
        return "timeout"
    if "reset" in msg or "disconnect" in msg or "aborted" in msg:
        return "reset"
    return "other"

def die_with_parent():
    """Asks Linux to kill this process when its parent dies: a killed program's
    forked processes must not outlive it. Best effort off Linux."""
    import ctypes
    import os
    import signal
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def stop_children(inqs, children):
    """Stops forked worker processes: a None on each input queue, then up to
    5 s each to exit before they are killed."""
    for q in inqs:
        q.put(None)
    for p in children:
        p.join(5)
        if p.is_alive():
            p.kill()
            p.join()


def run_main(main):
    """Runs main; any exception is reported as an error line (its traceback), then exit 1."""
    try:
        main()
    except BaseException:
        out({"type": "error", "error": traceback.format_exc()})
        sys.stdout.flush()
        sys.exit(1)

# End of the prelude.
