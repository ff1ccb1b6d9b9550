"""crawlbench's Python client worker (package clients/pyclient).

Runs one client strategy, driven by JSON lines on stdin, answering on stdout:

  in:  {"kind", "targets", "conn", "concurrency", "timeout_s", "procs", "index_header", "ca_pem", "http2"}  (hello, once)
  out: {"type": "ready", "python": version, "loop": the event loop's class, or ""}
  in:  {"type": "run", "seq": k, "n": n, "first": f}
  out: {"type": "result", "seq": k, "cost_ns": ns, "reqs": [[start_ns, lat_ns, code, nbytes, kind]...],
        "samples": {"kind": "message"}}
  in:  {"type": "stop"}, or the end of stdin
  out: {"type": "error", "error": traceback}, then exit 1, on any exception

Request j of a batch carries the index f+j in the header index_header (when set), j
numbered as crawlbench's model numbers a batch: in issue order for the loops and
fan-outs and for Pool.map (whose chunks hold consecutive items, dispatched in order);
for procs-aiohttp, each process's share in process order (see ProcsAioHTTP).
start_ns is a request's start since the batch's start, on CLOCK_MONOTONIC
(shared by the processes of a pool). kind is an index into KINDS; 0 means a
response arrived (its status code decides success).
"""

import asyncio
import json
import sys
import time
import traceback

KINDS = ["", "refused", "timeout", "reset", "fdlimit", "other"]
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}

# out, classify, die_with_parent and run_main come from internal/pyproc's prelude,
# which runs first.


def sample(exc):
    s = "%s: %s" % (type(exc).__name__, exc)
    return s[:300]


def ok_rec(t0, code, nbytes):
    return [t0, time.monotonic_ns() - t0, code, nbytes, 0]


def fail_rec(t0, exc, samples):
    kind = classify(exc)
    samples.setdefault(kind, sample(exc))
    return [t0, time.monotonic_ns() - t0, 0, 0, KIND_INDEX[kind]]


class Base:
    def __init__(self, hello):
        self.targets = hello["targets"]
        self.cold = hello["conn"] == "cold"
        self.c = hello["concurrency"]
        self.timeout = hello["timeout_s"]
        self.procs = hello["procs"]
        self.index_header = hello.get("index_header") or ""
        self.ca_pem = hello.get("ca_pem") or ""

    def ssl_context(self):
        """The SSL context that trusts ca_pem (https targets), or None: the default."""
        if not self.ca_pem:
            return None
        import ssl
        return ssl.create_default_context(cadata=self.ca_pem)

    def url(self, i):
        """The URL of request i of a batch."""
        return self.targets[i % len(self.targets)]

    def headers(self, index):
        """The headers of the request carrying index (None when no header is asked for)."""
        if not self.index_header:
            return None
        return {self.index_header: str(index)}

    def close(self):
        pass


def ca_file(ca_pem):
    """Writes ca_pem to a file that is removed at exit (requests' verify= takes a path),
    and returns its path; "" for no PEM."""
    if not ca_pem:
        return ""
    import atexit
    import os
    import tempfile
    fd, path = tempfile.mkstemp(prefix="crawlbench-ca-", suffix=".pem")
    with os.fdopen(fd, "w") as f:
        f.write(ca_pem)
    pid = os.getpid()
    atexit.register(lambda: os.getpid() == pid and os.path.exists(path) and os.remove(path))
    return path


def requests_getter(cold, timeout, verify=""):
    """Returns get(url, headers) -> (code, nbytes) over requests: a Session per call when cold
    (what requests.get does), one Session when warm. Proxies from the environment are
    never used. verify is a CA file to trust ("": the default)."""
    import requests

    def session():
        s = requests.Session()
        s.trust_env = False
        if verify:
            s.verify = verify
        return s

    if cold:
        def get(url, headers):
            with session() as s:
                r = s.get(url, headers=headers, timeout=timeout)
                return r.status_code, len(r.content)
        return get, None
    shared = session()

    def get(url, headers):
        r = shared.get(url, headers=headers, timeout=timeout)
        return r.status_code, len(r.content)
    return get, shared


def fetch_sync(get, url, headers, samples):
    t0 = time.monotonic_ns()
    try:
        code, nbytes = get(url, headers)
        return ok_rec(t0, code, nbytes)
    except Exception as e:  # a failed request is counted, never raised
        return fail_rec(t0, e, samples)


class Sequential(Base):
    """A loop of requests.get (the seed's row 6)."""

    def __init__(self, hello):
        super().__init__(hello)
        self.get, self.session = requests_getter(self.cold, self.timeout, ca_file(self.ca_pem))

    def run(self, n, first, samples):
        return [fetch_sync(self.get, self.url(i), self.headers(first + i), samples) for i in range(n)]

    def close(self):
        if self.session is not None:
            self.session.close()


class FakeAsync(Sequential):
    """requests.get inside coroutines run with asyncio.wait (the seed's rows 1 and 3):
    looks concurrent, blocks the event loop for each request."""

    def __init__(self, hello):
        super().__init__(hello)
        self.loop = asyncio.new_event_loop()

    def run(self, n, first, samples):
        async def get(i):
            return fetch_sync(self.get, self.url(i), self.headers(first + i), samples)

        async def request(i):
            return await get(i)

        async def batch():
            tasks = [asyncio.ensure_future(request(i)) for i in range(n)]
            await asyncio.wait(tasks)
            return [t.result() for t in tasks]
        return self.loop.run_until_complete(batch())

    def close(self):
        super().close()
        self.loop.close()


async def fan_out(n, c, one):
    """Runs one(i) for i in 0..n-1 as coroutines, at most c at once (0: all)."""
    if c > 0 and c < n:
        sem = asyncio.Semaphore(c)

        async def limited(i):
            async with sem:
                return await one(i)
        tasks = [asyncio.ensure_future(limited(i)) for i in range(n)]
    else:
        tasks = [asyncio.ensure_future(one(i)) for i in range(n)]
    await asyncio.wait(tasks)
    return [t.result() for t in tasks]


class AioHTTP(Base):
    """asyncio + aiohttp fan-out. Cold: a new ClientSession per request, as the seed
    wrote it (rows 4, 5); warm: one session whose connector holds c connections."""

    def __init__(self, hello, uvloop=False, indices=None):
        super().__init__(hello)
        import aiohttp
        self.aiohttp = aiohttp
        if uvloop:
            import uvloop as uv
            self.loop = uv.new_event_loop()
        else:
            self.loop = asyncio.new_event_loop()
        self.ctimeout = aiohttp.ClientTimeout(total=self.timeout)
        self.ssl = self.ssl_context()
        self.session = None
        if not self.cold:
            async def make():
                conn = aiohttp.TCPConnector(limit=self.c, limit_per_host=0)
                return aiohttp.ClientSession(connector=conn, timeout=self.ctimeout)
            self.session = self.loop.run_until_complete(make())

    async def fetch(self, url, headers, samples):
        t0 = time.monotonic_ns()
        try:
            if self.cold:
                async with self.aiohttp.ClientSession(timeout=self.ctimeout) as s:
                    async with s.get(url, headers=headers, ssl=self.ssl) as r:
                        body = await r.read()
            else:
                async with self.session.get(url, headers=headers, ssl=self.ssl) as r:
                    body = await r.read()
            return ok_rec(t0, r.status, len(body))
        except Exception as e:
            return fail_rec(t0, e, samples)

    def run(self, n, first, samples):
        return self.run_indices(range(n), range(first, first + n), self.c, samples)

    def run_indices(self, pos, idx, c, samples):
        """Fetches, for each k, the URL of batch position pos[k] carrying index idx[k]."""
        async def one(k):
            return await self.fetch(self.url(pos[k]), self.headers(idx[k]), samples)
        return self.loop.run_until_complete(fan_out(len(pos), c, one))

    def close(self):
        if self.session is not None:
            self.loop.run_until_complete(self.session.close())
        self.loop.close()


class HTTPVersionMismatch(Exception):
    """A response came over another HTTP version than the one asked for."""


class HTTPX(Base):
    """httpx.AsyncClient fan-out. Cold: a new AsyncClient (so a new connection) per
    request; warm: one client whose pool holds c connections. With http2, HTTP/2:
    negotiated by ALPN when every target is https, else with prior knowledge (h2c,
    HTTP/1.1 off); a response over another version fails its request."""

    def __init__(self, hello):
        super().__init__(hello)
        import httpx
        self.httpx = httpx
        self.loop = asyncio.new_event_loop()
        self.verify = self.ssl_context() or True
        self.version = None  # the HTTP version every response must have; None: any
        self.protos = {}
        if hello.get("http2"):
            try:
                import h2  # noqa: F401 (httpx speaks HTTP/2 through it)
            except ImportError as e:
                raise ImportError("httpx over HTTP/2 needs module h2: install python3-h2 (%s)" % e) from e
            self.version = "HTTP/2"
            # Over TLS, ALPN picks the protocol, so HTTP/1.1 stays offered: a server
            # without h2 then answers over HTTP/1.1 and the check in fetch says so.
            tls_only = all(t.startswith("https:") for t in self.targets)
            self.protos = {"http1": tls_only, "http2": True}
        self.client = None
        if not self.cold:
            c = self.c or None
            limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)

            async def make():
                return self.new_client(limits=limits)
            self.client = self.loop.run_until_complete(make())

    def new_client(self, **kw):
        return self.httpx.AsyncClient(timeout=self.timeout, trust_env=False, verify=self.verify, **self.protos, **kw)

    async def fetch(self, url, headers, samples):
        t0 = time.monotonic_ns()
        try:
            if self.cold:
                async with self.new_client() as cl:
                    r = await cl.get(url, headers=headers)
            else:
                r = await self.client.get(url, headers=headers)
            if self.version and r.http_version != self.version:
                raise HTTPVersionMismatch("the response came over %s, want %s" % (r.http_version, self.version))
            return ok_rec(t0, r.status_code, len(r.content))
        except Exception as e:
            return fail_rec(t0, e, samples)

    def run(self, n, first, samples):
        async def one(i):
            return await self.fetch(self.url(i), self.headers(first + i), samples)
        return self.loop.run_until_complete(fan_out(n, self.c, one))

    def close(self):
        if self.client is not None:
            self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


# pool-chunked: the state of one Pool process, set by pool_init.
_pool_get = None


def pool_init(cold, timeout, verify):
    global _pool_get
    die_with_parent()
    _pool_get, _ = requests_getter(cold, timeout, verify)


def pool_fetch(arg):
    url, headers = arg
    samples = {}
    rec = fetch_sync(_pool_get, url, headers, samples)
    return rec, samples


class PoolChunked(Base):
    """multiprocessing.Pool(P).map of requests.get (the seed's row 7), with the
    stdlib's own chunking; the Pool is created once, before any batch."""

    def __init__(self, hello):
        super().__init__(hello)
        import multiprocessing
        import requests  # noqa: F401 (fail here, not in the children, when it is missing)
        ctx = multiprocessing.get_context("fork")
        self.pool = ctx.Pool(self.procs, initializer=pool_init, initargs=(self.cold, self.timeout, ca_file(self.ca_pem)))

    def run(self, n, first, samples):
        # Pool.map cuts the list into chunks of consecutive items: chunk c holds
        # indices first+c*s.., as the model numbers them.
        res = self.pool.map(pool_fetch, [(self.url(i), self.headers(first + i)) for i in range(n)])
        recs = []
        for rec, s in res:
            for k, v in s.items():
                samples.setdefault(k, v)
            recs.append(rec)
        return recs

    def close(self):
        self.pool.close()
        self.pool.join()


def procs_child(hello, k, inq, outq):
    """One process of procs-aiohttp: an event loop with its own aiohttp session,
    running each share it is given with at most `concurrency` coroutines."""
    try:
        die_with_parent()
        cl = AioHTTP(hello)
        while True:
            msg = inq.get()
            if msg is None:
                break
            seq, pos, idx = msg
            samples = {}
            recs = cl.run_indices(pos, idx, cl.c, samples)
            outq.put(("result", k, seq, pos, recs, samples))
        cl.close()
    except BaseException:
        outq.put(("error", k, traceback.format_exc()))


class ProcsAioHTTP(Base):
    """P processes x asyncio + aiohttp, the design of aiomultiprocess.Pool (not packaged
    for Debian, so rebuilt from multiprocessing + asyncio): the batch is dealt
    round-robin to the processes, each runs its share with at most c coroutines
    (aiomultiprocess's childconcurrency, 16 by default). Process k's share is
    numbered as the model numbers it: the indices after the shares of processes
    0..k-1, in the order the process issues them."""

    def __init__(self, hello):
        super().__init__(hello)
        import multiprocessing
        import aiohttp  # noqa: F401 (fail here, not in the children, when it is missing)
        ctx = multiprocessing.get_context("fork")
        self.outq = ctx.Queue()
        self.inqs = [ctx.Queue() for _ in range(self.procs)]
        self.children = [ctx.Process(target=procs_child, args=(hello, k, self.inqs[k], self.outq), daemon=True)
                         for k in range(self.procs)]
        for p in self.children:
            p.start()
        self.seq = 0

    def run(self, n, first, samples):
        import queue
        self.seq += 1
        recs = [None] * n
        want = 0
        index = first
        for k in range(self.procs):
            pos = list(range(k, n, self.procs))
            if pos:
                self.inqs[k].put((self.seq, pos, list(range(index, index + len(pos)))))
                index += len(pos)
                want += 1
        while want:
            try:
                msg = self.outq.get(timeout=1)
            except queue.Empty:
                for k, p in enumerate(self.children):
                    if not p.is_alive():
                        raise RuntimeError("procs-aiohttp: process %d (pid %d) exited with %s" % (k, p.pid, p.exitcode))
                continue
            if msg[0] == "error":
                raise RuntimeError("procs-aiohttp: process %d failed:\n%s" % (msg[1], msg[2]))
            _, _, seq, pos, got, s = msg
            if seq != self.seq:
                continue
            for i, rec in zip(pos, got):
                recs[i] = rec
            for key, v in s.items():
                samples.setdefault(key, v)
            want -= 1
        return recs

    def close(self):
        stop_children(self.inqs, self.children)


STRATEGIES = {
    "requests-loop": Sequential,
    "requests-coroutines": FakeAsync,
    "aiohttp": AioHTTP,
    "aiohttp-uvloop": lambda hello: AioHTTP(hello, uvloop=True),
    "httpx": HTTPX,
    "pool-map": PoolChunked,
    "procs-aiohttp": ProcsAioHTTP,
}


def main():
    line = sys.stdin.readline()
    if not line:
        return
    hello = json.loads(line)
    strat = STRATEGIES[hello["kind"]](hello)
    loop = getattr(strat, "loop", None)
    out({"type": "ready", "python": sys.version.split()[0],
         "loop": "" if loop is None else "%s.%s" % (type(loop).__module__, type(loop).__name__)})
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["type"] == "stop":
            break
        if msg["type"] != "run":
            raise ValueError("unknown message type %r" % msg["type"])
        samples = {}
        t0 = time.monotonic_ns()
        recs = strat.run(msg["n"], msg.get("first", 0), samples)
        cost = time.monotonic_ns() - t0
        for r in recs:
            r[0] -= t0
        out({"type": "result", "seq": msg["seq"], "cost_ns": cost, "reqs": recs, "samples": samples})
    strat.close()


if __name__ == "__main__":
    run_main(main)
