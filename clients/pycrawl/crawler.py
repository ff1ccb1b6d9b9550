"""crawlbench's Python crawler (package clients/pycrawl).

Crawls a site under the contract of notes/SITE.md, driven by JSON lines on stdin,
answering on stdout:

  in:  {"kind": "asyncio"|"procs-asyncio", "procs": P}                  (hello, once)
  out: {"type": "ready", "python": version, "pids": [pid...], "spin_per_us": x}
  in:  {"type": "crawl", "seq": k, "start", "allow": ["host:port"...], "max_pages",
        "c", "m", "work_ns", "max_body", "timeout_s", "parser": "html.parser"|"lxml"}
  out: {"type": "result", "seq": k, "pages", "errors": {kind: n}, "samples": {kind: msg},
        "not_html", "too_large", "links", "skipped", "duplicates", "bytes",
        "elapsed_ns", "cpu_ns", "lat": [ns...], "procs": [[pid, pages, cpu_ns]...]}
  in:  {"type": "stop"}, or the end of stdin
  out: {"type": "error", "error": traceback}, then exit 1, on any exception

asyncio: one process, one event loop, one aiohttp session; a frontier per host,
at most c fetches in flight and at most m per host; a page is parsed (html.parser
or lxml), its links resolved (urljoin, urldefrag) and kept when their host:port is
in the allow list, then `work` of CPU time is burnt in a loop calibrated at start-up
against time.thread_time(). A fetch's slot (c and m) is freed when its body is read:
the next fetches are dispatched and sent before the page is parsed and worked on, so
parsing and work hold the CPU, not a connection (as the Go crawlers do). With max_pages, a fetch starts only while pages done +
fetches in flight < max_pages, so exactly max_pages pages are fetched when the site
has that many.

procs-asyncio: P forked processes, each the asyncio crawler over its partition of
the hosts (allow-list index mod P), with its share of c; a link to another
partition's host goes to the parent, which forwards it to the owner; each
partition de-duplicates its own URLs. The parent counts the messages it forwarded
to each process; a process reports "idle, having processed n messages" whenever it
runs out of work, and the crawl is over when every process's last report matches
what was sent to it (nothing in flight, nothing in transit). max_pages is shared
through two counters in shared memory (reserved, done).

lat holds the latency of every fetch (from sending the request to the end of the
body), failures included.
"""

import asyncio
import collections
import errno
import json
import os
import sys
import time
import traceback
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

KINDS = ("refused", "timeout", "reset", "status", "fdlimit", "other")

# out, chain, classify (the rules of clients/pyclient's worker), die_with_parent and
# run_main come from internal/pyproc's prelude, which runs first.


def describe(exc):
    """A failed fetch's message: the exception, and the errno beneath it, if any."""
    msg = "%s: %s" % (type(exc).__name__, exc)
    for e in chain(exc):
        if isinstance(e, OSError) and e.errno:
            msg += " (%s: %s)" % (errno.errorcode.get(e.errno, e.errno), os.strerror(e.errno))
            break
    return msg


# ---- work per page: a deterministic loop calibrated against this thread's CPU clock


def spin(n):
    x = 1
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    return x


def calibrate():
    """Returns spin iterations per microsecond of this thread's CPU time: the fastest of
    a few runs of at least 20 ms each (the slowest runs are the ones disturbed)."""
    n = 10000
    while True:
        t0 = time.thread_time_ns()
        spin(n)
        dt = time.thread_time_ns() - t0
        if dt >= 20_000_000:
            break
        n *= 2
    best = dt
    for _ in range(4):
        t0 = time.thread_time_ns()
        spin(n)
        best = min(best, time.thread_time_ns() - t0)
    return n / (best / 1000.0)


# ---- link extraction


class LinkParser(HTMLParser):
    """Collects the href of every <a> element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            for k, v in attrs:
                if k == "href" and v is not None:
                    self.hrefs.append(v)


def html_parser_links(body):
    p = LinkParser()
    p.feed(body.decode("utf-8", "replace"))
    p.close()
    return p.hrefs


def lxml_links(body):
    import lxml.etree
    import lxml.html
    try:
        doc = lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError):  # an empty document
        return []
    return [h for h in doc.xpath("//a/@href")]


PARSERS = {"html.parser": html_parser_links, "lxml": lxml_links}


# ---- the shared page budget (max_pages)


class LocalBudget:
    """max_pages in one process: a fetch reserves a page before it starts."""

    def __init__(self, max_pages):
        self.max = max_pages
        self.reserved = 0
        self.done = 0

    def reserve(self):
        if self.max and self.reserved >= self.max:
            return False
        self.reserved += 1
        return True

    def release(self):
        self.reserved -= 1

    def commit(self):
        self.done += 1

    def full(self):
        return self.max > 0 and self.done >= self.max


class SharedBudget(LocalBudget):
    """max_pages over processes: the two counters live in shared memory."""

    def __init__(self, max_pages, reserved, done):
        self.max = max_pages
        self.r = reserved
        self.d = done

    def reserve(self):
        if not self.max:
            return True
        with self.r.get_lock():
            if self.r.value >= self.max:
                return False
            self.r.value += 1
            return True

    def release(self):
        if self.max:
            with self.r.get_lock():
                self.r.value -= 1

    def commit(self):
        if self.max:
            with self.d.get_lock():
                self.d.value += 1

    def full(self):
        return self.max > 0 and self.d.value >= self.max


# ---- one crawl in one event loop


class Crawl:
    """The crawl of the hosts one process owns. route(netloc) gives the partition of an
    allowed host; links to hosts of other partitions are handed to send(dest, urls)."""

    def __init__(self, cfg, aiohttp, spin_per_us, budget, part=0, nparts=1, send=None):
        self.aiohttp = aiohttp
        self.allow = {a: i for i, a in enumerate(cfg["allow"])}
        self.part, self.nparts, self.send = part, nparts, send
        self.c = cfg["c"]
        self.m = cfg["m"]
        self.work_iters = int(cfg["work_ns"] / 1000.0 * spin_per_us)
        self.max_body = cfg["max_body"]
        self.timeout = cfg["timeout_s"]
        self.links_of = PARSERS[cfg["parser"]]
        self.budget = budget
        self.hosts = [a for a, i in self.allow.items() if i % nparts == part]
        self.frontier = {h: collections.deque() for h in self.hosts}
        self.inflight = {h: 0 for h in self.hosts}
        self.total = 0
        self.busy = 0  # pages read, their slot freed, not yet parsed and worked on
        self.rr = 0
        self.visited = set()
        self.forwarded = set()
        self.outbox = collections.defaultdict(list)
        self.stats = {"pages": 0, "not_html": 0, "too_large": 0, "links": 0, "skipped": 0,
                      "duplicates": 0, "bytes": 0}
        self.errors = collections.Counter()
        self.samples = {}
        self.lat = []
        self.tasks = set()
        self.session = None
        self.on_idle = None
        self.poll = None

    async def open(self):
        conn = self.aiohttp.TCPConnector(limit=max(self.c, 1), limit_per_host=self.m)
        self.session = self.aiohttp.ClientSession(
            connector=conn, timeout=self.aiohttp.ClientTimeout(total=self.timeout))

    async def close(self):
        for t in list(self.tasks):
            t.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.poll is not None:
            self.poll.cancel()
        await self.session.close()

    def owner(self, netloc):
        return self.allow[netloc] % self.nparts

    def add_owned(self, url, netloc):
        """Adds a URL of this partition unless it was seen."""
        if url in self.visited:
            self.stats["duplicates"] += 1
            return
        self.visited.add(url)
        self.frontier[netloc].append(url)

    def add_link(self, base, href):
        self.stats["links"] += 1
        try:
            url = urldefrag(urljoin(base, href.strip()))[0]
            parts = urlsplit(url)
            netloc = parts.netloc
        except ValueError:
            self.stats["skipped"] += 1
            return
        if parts.scheme != "http" or netloc not in self.allow:
            self.stats["skipped"] += 1
            return
        dest = self.owner(netloc)
        if dest == self.part:
            self.add_owned(url, netloc)
        elif url in self.forwarded:
            self.stats["duplicates"] += 1
        else:
            self.forwarded.add(url)
            self.outbox[dest].append(url)

    def idle(self):
        """Nothing in flight or being parsed, and nothing this process may still start."""
        if self.total or self.busy:
            return False
        return self.budget.full() or not any(self.frontier.values())

    def dispatch(self):
        """Starts fetches round-robin over the hosts with work, within c, m and the budget."""
        if self.budget.full():
            return
        n = len(self.hosts)
        blocked = False
        while self.total < self.c:
            started = False
            for k in range(n):
                h = self.hosts[(self.rr + k) % n]
                q = self.frontier[h]
                if not q or self.inflight[h] >= self.m:
                    continue
                if not self.budget.reserve():
                    blocked = True
                    break
                url = q.popleft()
                self.inflight[h] += 1
                self.total += 1
                self.rr = (self.rr + k + 1) % n
                t = asyncio.ensure_future(self.fetch(url, h))
                self.tasks.add(t)
                t.add_done_callback(self.tasks.discard)
                started = True
                break
            if blocked or not started:
                break
        if blocked and self.total == 0 and self.poll is None:
            # Another process holds the budget: look again soon.
            self.poll = asyncio.get_running_loop().call_later(0.002, self.repoll)

    def repoll(self):
        self.poll = None
        self.dispatch()
        self.check_idle()

    def check_idle(self):
        if self.on_idle is not None and self.idle():
            self.on_idle()

    def flush(self):
        if self.outbox:
            self.send(dict(self.outbox))
            self.outbox.clear()

    async def fetch(self, url, host):
        """Fetches one page; its slot (c and m) is freed once the body is read, so that
        parsing and work hold the CPU, not a connection: the next fetches are dispatched
        and the loop runs once (they send their requests) before the page is parsed and
        worked on. The page keeps its budget reservation until it is counted."""
        body = None
        try:
            body = await self.get(url)
        finally:
            self.inflight[host] -= 1
            self.total -= 1
            if body is None:
                self.budget.release()
                self.settle()
        if body is None:
            return
        self.busy += 1
        try:
            self.dispatch()
            await asyncio.sleep(0)
            self.process(url, body)
        finally:
            self.busy -= 1
            self.budget.commit()
            self.settle()

    def settle(self):
        """After a fetch or a page: forward links, start fetches, report idleness."""
        self.flush()
        self.dispatch()
        self.check_idle()

    def process(self, url, body):
        """Parses a page, keeps its links and burns the work per page."""
        for href in self.links_of(body):
            self.add_link(url, href)
        if self.work_iters:
            spin(self.work_iters)
        self.stats["pages"] += 1

    async def get(self, url):
        """Fetches one URL; returns the body of an HTML page, or None when the fetch is not a
        page (counted as failed, not HTML or too large)."""
        t0 = time.monotonic_ns()
        body = None
        try:
            async with self.session.get(url, allow_redirects=False) as r:
                if not 200 <= r.status <= 299:
                    self.fail("status", "HTTP %d %s" % (r.status, r.reason or ""))
                    return None
                ctype = r.headers.get("Content-Type", "")
                html = ctype.split(";")[0].strip().lower() == "text/html"
                if r.content_length is not None and r.content_length > self.max_body:
                    self.stats["too_large"] += 1
                    r.close()
                    return None
                chunks, size = [], 0
                while True:
                    b = await r.content.read(64 << 10)
                    if not b:
                        break
                    size += len(b)
                    self.stats["bytes"] += len(b)
                    if size > self.max_body:
                        self.stats["too_large"] += 1
                        r.close()
                        return None
                    chunks.append(b)
                if not html:
                    self.stats["not_html"] += 1
                    return None
                body = b"".join(chunks)
        except Exception as e:  # a failed fetch is counted, never raised
            self.fail(classify(e), describe(e))
            return None
        finally:
            self.lat.append(time.monotonic_ns() - t0)
        return body

    def fail(self, kind, msg):
        self.errors[kind] += 1
        self.samples.setdefault(kind, msg[:300])

    def report(self):
        r = dict(self.stats)
        r["errors"] = dict(self.errors)
        r["samples"] = self.samples
        r["lat"] = self.lat
        return r


def import_aiohttp():
    import aiohttp
    return aiohttp


def merge(into, r):
    for k in ("pages", "not_html", "too_large", "links", "skipped", "duplicates", "bytes"):
        into[k] = into.get(k, 0) + r[k]
    errs = into.setdefault("errors", {})
    for k, v in r["errors"].items():
        errs[k] = errs.get(k, 0) + v
    samples = into.setdefault("samples", {})
    for k, v in r["samples"].items():
        samples.setdefault(k, v)
    into.setdefault("lat", []).extend(r["lat"])


class Asyncio:
    """One process, one event loop."""

    def __init__(self, hello, spin_per_us):
        self.aiohttp = import_aiohttp()
        self.spin_per_us = spin_per_us
        self.loop = asyncio.new_event_loop()

    def pids(self):
        return [os.getpid()]

    def crawl(self, cfg):
        cpu0 = time.process_time_ns()
        t0 = time.monotonic_ns()
        r = self.loop.run_until_complete(crawl_one(cfg, self.aiohttp, self.spin_per_us, LocalBudget(cfg["max_pages"])))
        r["elapsed_ns"] = time.monotonic_ns() - t0
        r["cpu_ns"] = time.process_time_ns() - cpu0
        r["procs"] = [[os.getpid(), r["pages"], r["cpu_ns"]]]
        return r

    def close(self):
        self.loop.close()


async def crawl_one(cfg, aiohttp, spin_per_us, budget):
    cr = Crawl(cfg, aiohttp, spin_per_us, budget)
    await cr.open()
    done = asyncio.get_running_loop().create_future()

    def idle():
        if not done.done():
            done.set_result(None)
    cr.on_idle = idle
    start = cfg["start"]
    cr.add_owned(start, urlsplit(start).netloc)
    cr.dispatch()
    cr.check_idle()
    try:
        await done
    finally:
        await cr.close()
    return cr.report()


# ---- procs-asyncio


def child_main(k, nparts, spin_per_us, inq, outq, reserved, done):
    """One process of procs-asyncio: a persistent event loop; a reader thread turns the
    parent's queue into an asyncio queue."""
    try:
        die_with_parent()
        import threading
        aiohttp = import_aiohttp()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        aq = asyncio.Queue()

        def reader():
            while True:
                msg = inq.get()
                loop.call_soon_threadsafe(aq.put_nowait, msg)
                if msg is None:
                    return
        threading.Thread(target=reader, daemon=True).start()
        loop.run_until_complete(child_loop(k, nparts, spin_per_us, aq, outq, reserved, done, aiohttp))
        loop.close()
    except BaseException:
        outq.put(("error", k, traceback.format_exc()))


async def child_loop(k, nparts, spin_per_us, aq, outq, reserved, done, aiohttp):
    while True:
        msg = await aq.get()
        if msg is None:
            return
        if msg[0] != "crawl":
            continue  # a stale message of an earlier crawl
        _, seq, cfg = msg
        cpu0 = time.process_time_ns()
        budget = SharedBudget(cfg["max_pages"], reserved, done)

        def send(outbox, seq=seq):
            outq.put(("links", seq, k, outbox))
        cr = Crawl(cfg, aiohttp, spin_per_us, budget, part=k, nparts=nparts, send=send)
        await cr.open()
        processed = 0
        reported = [False]

        def idle(seq=seq):
            if not reported[0]:
                reported[0] = True
                outq.put(("idle", seq, k, processed))
        cr.on_idle = idle
        cr.check_idle()
        while True:
            msg = await aq.get()
            if msg is None or msg[1] != seq:
                if msg is None:
                    await cr.close()
                    return
                continue
            if msg[0] == "finish":
                break
            # ("urls", seq, [url...])
            processed += 1
            reported[0] = False
            for url in msg[2]:
                cr.add_owned(url, urlsplit(url).netloc)
            cr.dispatch()
            cr.check_idle()
        await cr.close()
        r = cr.report()
        r["cpu_ns"] = time.process_time_ns() - cpu0
        outq.put(("result", seq, k, os.getpid(), r))


class ProcsAsyncio:
    """P forked processes, each an event loop over its partition of the hosts."""

    def __init__(self, hello, spin_per_us):
        import multiprocessing
        import_aiohttp()  # fail here, not in the children, when it is missing
        self.procs = hello["procs"]
        ctx = multiprocessing.get_context("fork")
        self.reserved = ctx.Value("q", 0)
        self.done = ctx.Value("q", 0)
        self.outq = ctx.Queue()
        self.inqs = [ctx.Queue() for _ in range(self.procs)]
        self.children = [ctx.Process(target=child_main, daemon=True,
                                     args=(k, self.procs, spin_per_us, self.inqs[k], self.outq, self.reserved, self.done))
                         for k in range(self.procs)]
        for p in self.children:
            p.start()
        self.seq = 0

    def pids(self):
        return [p.pid for p in self.children]

    def get(self):
        import queue
        while True:
            try:
                return self.outq.get(timeout=1)
            except queue.Empty:
                for k, p in enumerate(self.children):
                    if not p.is_alive():
                        raise RuntimeError("procs-asyncio: process %d (pid %d) exited with %s" % (k, p.pid, p.exitcode))

    def check(self, msg):
        if msg[0] == "error":
            raise RuntimeError("procs-asyncio: process %d failed:\n%s" % (msg[1], msg[2]))
        return msg

    def crawl(self, cfg):
        cpu0 = time.process_time_ns()
        t0 = time.monotonic_ns()
        self.seq += 1
        seq, n = self.seq, self.procs
        # The counters are reset before any process is told to crawl.
        self.reserved.value = 0
        self.done.value = 0
        cfg = dict(cfg)
        c = cfg["c"]
        for k in range(n):
            share = dict(cfg, c=c // n + (1 if k < c % n else 0))
            self.inqs[k].put(("crawl", seq, share))
        allow = {a: i for i, a in enumerate(cfg["allow"])}
        owner = allow[urlsplit(cfg["start"]).netloc] % n
        sent = [0] * n
        idle = [None] * n
        self.inqs[owner].put(("urls", seq, [cfg["start"]]))
        sent[owner] += 1
        while True:
            msg = self.check(self.get())
            if msg[1] != seq:
                continue
            if msg[0] == "links":
                for dest, urls in msg[3].items():
                    self.inqs[dest].put(("urls", seq, urls))
                    sent[dest] += 1
            elif msg[0] == "idle":
                idle[msg[2]] = msg[3]
                if idle == sent:
                    break
        elapsed = time.monotonic_ns() - t0
        for q in self.inqs:
            q.put(("finish", seq))
        total = {}
        procs = [None] * n
        got = 0
        while got < n:
            msg = self.check(self.get())
            if msg[0] != "result" or msg[1] != seq:
                continue
            _, _, k, pid, r = msg
            merge(total, r)
            procs[k] = [pid, r["pages"], r["cpu_ns"]]
            got += 1
        parent = time.process_time_ns() - cpu0
        total["elapsed_ns"] = elapsed
        total["cpu_ns"] = parent + sum(p[2] for p in procs)
        total["procs"] = [[os.getpid(), 0, parent]] + procs
        return total

    def close(self):
        stop_children(self.inqs, self.children)


STRATEGIES = {"asyncio": Asyncio, "procs-asyncio": ProcsAsyncio}


def main():
    line = sys.stdin.readline()
    if not line:
        return
    hello = json.loads(line)
    spin_per_us = calibrate()
    strat = STRATEGIES[hello["kind"]](hello, spin_per_us)
    out({"type": "ready", "python": sys.version.split()[0], "pids": strat.pids(), "spin_per_us": spin_per_us})
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["type"] == "stop":
            break
        if msg["type"] != "crawl":
            raise ValueError("unknown message type %r" % msg["type"])
        if msg["parser"] == "lxml":
            import lxml.html  # noqa: F401 (fail before the crawl, not inside a page)
        r = strat.crawl(msg)
        r["type"] = "result"
        r["seq"] = msg["seq"]
        out(r)
    strat.close()


if __name__ == "__main__":
    run_main(main)
