"""The seed's Flask server for crawlbench (package servers/flaskserver).

usage: python3 -c SCRIPT DELAY_S threaded|single MAX_DELAY_S

Route / sleeps d (DELAY_S, or ?delay= as a Go duration such as 50ms, 0..MAX_DELAY_S)
and returns "Hello!", on werkzeug's development server as app.run runs it:
threaded (a thread per request) or single (one request at a time); werkzeug closes
every connection after its response. GET /_stats and POST /_stats/reset serve counters under the names
of crawlbench's servers.Stats, with the configured delay (delay_ns, dist "fixed"). Prints "flaskserver: listening on URL" once it
listens; exits on SIGTERM, SIGINT or the end of stdin.
"""

import json
import os
import re
import signal
import sys
import threading
import time

from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler, make_server

UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def parse_duration(v):
    """Parses a Go duration (e.g. 50ms, 1m30s, 0) into seconds, or returns None."""
    if v == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(v):
        m = PART.match(v, pos)
        if not m:
            return None
        total += float(m.group(1)) * UNITS[m.group(2)]
        pos = m.end()
    return total if v else None


class Stats:
    FIELDS = ("served", "canceled", "bad_requests", "failed", "resets", "stalled",
              "in_flight", "max_in_flight", "queued", "max_queued", "conns")

    def __init__(self, delay):
        self.lock = threading.Lock()
        self.v = dict.fromkeys(self.FIELDS, 0)
        # The configuration, as crawlbench's server reports it (not counters).
        self.config = {"delay_ns": int(round(delay * 1e9)), "dist": "fixed"}

    def add(self, key, d=1):
        with self.lock:
            self.v[key] += d
            if key == "in_flight" and self.v[key] > self.v["max_in_flight"]:
                self.v["max_in_flight"] = self.v[key]

    def snapshot(self):
        with self.lock:
            return dict(self.v, **self.config)

    def reset(self):
        with self.lock:
            live = self.v["in_flight"]
            self.v = dict.fromkeys(self.FIELDS, 0)
            self.v["in_flight"] = self.v["max_in_flight"] = live


def main():
    delay, mode, max_delay = float(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    stats = Stats(delay)
    app = Flask(__name__)

    @app.route("/")
    def index():
        d = delay
        v = request.args.get("delay")
        if v is not None:
            d = parse_duration(v)
            if d is None or d > max_delay:
                stats.add("bad_requests")
                return Response("delay: %r: want a duration 0s..%gs\n" % (v, max_delay), 400)
        stats.add("in_flight")
        try:
            time.sleep(d)
        finally:
            stats.add("in_flight", -1)
        stats.add("served")
        return "Hello!"

    @app.route("/_stats")
    def get_stats():
        return Response(json.dumps(stats.snapshot()), 200, mimetype="application/json")

    @app.route("/_stats/reset", methods=["POST"])
    def reset_stats():
        stats.reset()
        return Response("", 204)

    class Handler(WSGIRequestHandler):
        """Counts connections whose first request is not a control request."""

        def setup(self):
            super().setup()
            self.first = True

        def make_environ(self):
            env = super().make_environ()
            if self.first:
                self.first = False
                if not env.get("PATH_INFO", "").startswith("/_stats"):
                    stats.add("conns")
            return env

        def log_request(self, *args, **kwargs):
            pass

    srv = make_server("127.0.0.1", 0, app, threaded=(mode == "threaded"), request_handler=Handler)

    def stop(*_):
        sys.stdout.flush()
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watch_stdin():
        sys.stdin.read()
        stop()
    threading.Thread(target=watch_stdin, daemon=True).start()

    print("flaskserver: listening on http://127.0.0.1:%d" % srv.server_port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
