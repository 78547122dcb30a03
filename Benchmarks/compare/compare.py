#!/usr/bin/env python3
"""Roost and Dovecot side by side on this machine, driven by the same client.

Both servers get the same users and the same deterministic corpus over LMTP, then the
same IMAP and POP3 workloads. They run at once and take turns at every timed run, so
that a drift in the machine's speed (a shared host's) falls on both alike; each figure
is the median of several runs. Prints one table and, with --write, puts it in
BENCHMARKS.md with plots of time against mailbox size. Talks only to 127.0.0.1 and
stops both servers when done.

Run it through Benchmarks/compare/run, which installs Dovecot and builds Roost first.
"""
import argparse
import asyncio
import base64
import datetime
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PASSWORD = "benchpw"

# ---------------------------------------------------------------- corpus

WORDS = ("the quarterly figures meeting tomorrow budget review project plan draft report customer invoice "
         "shipment delayed please confirm attached agenda notes minutes release schedule server outage "
         "holiday travel booking approved rejected pending update weekly summary action items deadline").split()
SENDERS = [f"sender{n}@example.org" for n in range(500)]


def message(seed, i):
    """Message number i of the corpus: the same bytes for the same seed, every time.

    Sizes follow a log-normal curve with a median near 8 KB and a tail to 5 MB; about a
    third are replies (In-Reply-To and References to an earlier message), a fifth are
    multipart/alternative, a sixth carry a base64 attachment, a few use other charsets;
    one in a hundred contains the word "zebrafish" for SEARCH BODY."""
    rng = random.Random(seed * 1_000_003 + i)
    size = int(min(5 << 20, max(600, rng.lognormvariate(8.99, 1.0))))  # e^8.99 ≈ 8 KB
    sender = SENDERS[rng.randrange(len(SENDERS))]
    subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
    headers = [f"From: Sender {sender.split('@')[0][6:]} <{sender}>", "To: user@bench.test",
               f"Subject: {subject}", f"Date: {email_date(1_700_000_000 + i * 60)}",
               f"Message-ID: <{seed}.{i}@bench.example.org>", "MIME-Version: 1.0"]
    if i > 0 and rng.random() < 0.33:
        parent = rng.randrange(max(0, i - 200), i)
        headers.append(f"In-Reply-To: <{seed}.{parent}@bench.example.org>")
        headers.append(f"References: <{seed}.{parent}@bench.example.org>")
        headers[2] = "Subject: Re: " + subject
    count = max(8, int(size * 0.85 / 7))  # the words average 7 bytes with their space
    words = rng.choices(WORDS, k=count)
    if rng.random() < 0.01:
        words.insert(rng.randrange(len(words)), "zebrafish")
    text = "\r\n".join(" ".join(words[k:k + 12]) for k in range(0, len(words), 12))
    kind = rng.random()
    if kind < 0.6:
        charset = "iso-8859-1" if rng.random() < 0.05 else "utf-8"
        headers.append(f"Content-Type: text/plain; charset={charset}")
        body = text
    elif kind < 0.8:
        headers.append('Content-Type: multipart/alternative; boundary="alt"')
        body = (f"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
                f"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>{text[:2000]}</p></body></html>\r\n--alt--")
    else:
        headers.append('Content-Type: multipart/mixed; boundary="mix"')
        blob = rng.randbytes(max(64, size // 4))
        encoded = base64.encodebytes(blob).decode().replace("\n", "\r\n")
        body = (f"--mix\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text[:size // 2]}\r\n"
                f"--mix\r\nContent-Type: application/octet-stream; name=data.bin\r\nContent-Transfer-Encoding: base64\r\n"
                f"Content-Disposition: attachment; filename=data.bin\r\n\r\n{encoded}--mix--")
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def email_date(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")


# ---------------------------------------------------------------- servers

def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_memory(pids, name, field):
    """A kB figure of /proc/PID/<name> (the line starting `field`), in bytes, summed."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/{name}") as f:
                for line in f:
                    if line.startswith(field):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def process_rss(pids):
    """Resident memory (bytes) of processes, summed."""
    return process_memory(pids, "status", "VmRSS:")


def process_pss(pids):
    """Proportional set size (bytes) of processes, summed: each shared page counted once in
    all, split among the processes that map it, where summed RSS counts it in each."""
    return process_memory(pids, "smaps_rollup", "Pss:")


def process_cpu(pids):
    """CPU seconds (user and system) the processes have used so far, summed."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def memory_available():
    """MemAvailable of this machine, in bytes."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def progress(text):
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def descendants(pid):
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children = {}
    for line in out.split("\n"):
        if line.strip():
            p, pp = map(int, line.split())
            children.setdefault(pp, []).append(p)
    found, todo = [pid], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


class Server:
    """A server process under test, and every process it started."""
    process: subprocess.Popen

    def pids(self):
        return descendants(self.process.pid)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Roost(Server):
    name = "Roost"

    def __init__(self, work, users):
        self.binary = os.environ.get("ROOST_BINARY", os.path.join(ROOT, ".build/release/roost"))
        self.data = os.path.join(work, "roost")
        self.imap, self.pop3, self.lmtp = free_port(), free_port(), free_port()
        env = dict(os.environ, ROOST_DATA=self.data)
        self.env = env
        self.run("domain", "add", "bench.test", "--main")
        for u in users:
            subprocess.run([self.binary, "account", "add", f"{u}@bench.test", "--password-stdin"], input=PASSWORD + "\n",
                           env=env, check=True, capture_output=True, text=True)
        config = os.path.join(work, "roost.conf")
        with open(config, "w") as f:
            f.write(f"data = {self.data}\nimap = 127.0.0.1:{self.imap}\npop3 = 127.0.0.1:{self.pop3}\nlmtp = 127.0.0.1:{self.lmtp}\n"
                    "max_connections_per_account = 100000\nmax_connections_per_address = 1000000\nidle_timeout = 86400\n")
        self.process = subprocess.Popen([self.binary, "serve", "--config", config], env=env,
                                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "roost.log"), "w"))

    def run(self, *args):
        subprocess.run([self.binary, *args], env=self.env, check=True, capture_output=True)

    def version(self):
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        return f"Roost {rev}"


class Dovecot(Server):
    name = "Dovecot"

    def __init__(self, work, users):
        self.base = os.path.join(work, "dovecot")
        os.makedirs(os.path.join(self.base, "run"), exist_ok=True)
        self.imap, self.pop3, self.lmtp = free_port(), free_port(), free_port()
        mail = os.path.join(self.base, "mail")
        os.makedirs(mail, exist_ok=True)
        subprocess.run(["chown", "-R", "dovenull:dovenull", mail], check=True)
        uid = int(subprocess.run(["id", "-u", "dovenull"], capture_output=True, text=True).stdout)
        gid = int(subprocess.run(["id", "-g", "dovenull"], capture_output=True, text=True).stdout)
        with open(os.path.join(self.base, "passwd"), "w") as f:
            for u in users:
                f.write(f"{u}@bench.test:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{mail}/{u}\n")
        self.config = os.path.join(self.base, "dovecot.conf")
        with open(self.config, "w") as f:
            f.write(f"""# Made by Benchmarks/compare: as close to Roost's defaults as Dovecot allows.
base_dir = {self.base}/run
state_dir = {self.base}/state
log_path = {self.base}/dovecot.log
protocols = imap pop3 lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = sdbox:~/sdbox
mail_fsync = optimized
mail_max_userip_connections = 100000
default_process_limit = 20000
default_client_limit = 40000
default_vsz_limit = 0
first_valid_uid = 0
lmtp_save_to_detail_mailbox = no
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.base}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.base}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
  process_min_avail = 2
  service_count = 0
  client_limit = 20000
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.pop3}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp}
  }}
  unix_listener lmtp {{
    mode = 0600
  }}
}}
service imap {{
  process_limit = 20000
}}
service anvil {{
  client_limit = 60000
}}
service auth {{
  client_limit = 60000
}}
protocol lmtp {{
  postmaster_address = postmaster@bench.test
}}
""")
        os.makedirs(os.path.join(self.base, "state"), exist_ok=True)
        self.process = subprocess.Popen(["dovecot", "-F", "-c", self.config], stdout=subprocess.DEVNULL,
                                        stderr=open(os.path.join(work, "dovecot.stderr"), "w"))

    def version(self):
        return "Dovecot " + subprocess.run(["dovecot", "--version"], capture_output=True, text=True).stdout.strip()


# ---------------------------------------------------------------- clients

class IMAP:
    """A small IMAP client: commands out, responses in, bulk answers drained fast."""

    def __init__(self, reader, writer):
        self.r, self.w = reader, writer
        self.n = 0

    @classmethod
    async def connect(cls, port, user):
        r, w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
        c = cls(r, w)
        await r.readline()
        await c.command(f"LOGIN {user}@bench.test {PASSWORD}")
        return c

    def tag(self):
        self.n += 1
        return f"Z{self.n:05d}"

    async def command(self, text, literal=None):
        """Sends a command and returns the untagged lines (literals inline) and the tagged one."""
        tag = self.tag()
        if literal is None:
            self.w.write(f"{tag} {text}\r\n".encode())
        else:
            self.w.write(f"{tag} {text} {{{len(literal)}+}}\r\n".encode() + literal + b"\r\n")
        return await self.read_until(tag)

    async def read_until(self, tag):
        lines = []
        tagb = tag.encode() + b" "
        while True:
            line = await self.r.readline()
            if not line:
                raise ConnectionError("server closed the connection")
            m = re.search(rb"\{(\d+)\+?\}\r\n$", line)
            while m:
                line += await self.r.readexactly(int(m.group(1)))
                rest = await self.r.readline()
                line += rest
                m = re.search(rb"\{(\d+)\+?\}\r\n$", rest)
            if line.startswith(tagb):
                if not line[len(tagb):].startswith(b"OK"):
                    raise RuntimeError(f"{text_of(line)}")
                return lines, line
            lines.append(line)

    async def bulk(self, text):
        """Sends a command whose answer is large and drains it without parsing it; the
        number of bytes read. The tag is rare enough not to occur inside message data."""
        tag = self.tag()
        self.w.write(f"{tag} {text}\r\n".encode())
        end = re.compile(rb"\r\n" + tag.encode() + rb" (OK|NO|BAD)[^\r\n]*\r\n$")
        total, tail = 0, b""
        while True:
            chunk = await self.r.read(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection")
            total += len(chunk)
            tail = (tail + chunk)[-4096:]
            if end.search(b"\r\n" + tail):
                if not re.search(tag.encode() + rb" OK", tail):
                    raise RuntimeError(text_of(tail[-200:]))
                return total

    async def close(self):
        try:
            self.w.write(b"L LOGOUT\r\n")
            await self.w.drain()
            self.w.close()
        except Exception:
            pass


def text_of(b):
    return b.decode(errors="replace").strip()


def stuffed(data):
    """DATA's dot-stuffing (RFC 5321 §4.5.2)."""
    body = data.replace(b"\r\n.", b"\r\n..")
    return b"." + body if body.startswith(b".") else body


async def lmtp_deliver(port, user, messages, retries=10):
    """Delivers messages over one LMTP connection, one transaction each."""
    messages = list(messages)
    r, w = await asyncio.open_connection("127.0.0.1", port)
    await r.readline()
    w.write(b"LHLO bench\r\n")
    while not (await r.readline()).startswith(b"250 "):
        pass
    while messages:
        data = messages.pop(0)
        w.write(f"MAIL FROM:<bench@example.org>\r\nRCPT TO:<{user}@bench.test>\r\nDATA\r\n".encode())
        for _ in range(3):
            line = await r.readline()
            if not (line.startswith(b"250") or line.startswith(b"354")):
                raise RuntimeError(f"LMTP: {text_of(line)}")
        w.write(stuffed(data) + b".\r\n")
        line = await r.readline()
        if line.startswith(b"4") and retries > 0:
            # A temporary failure is retried, as an MTA would.
            retries -= 1
            await asyncio.sleep(0.05)
            messages.append(data)
            continue
        if not line.startswith(b"250"):
            raise RuntimeError(f"LMTP DATA: {text_of(line)}")
    w.write(b"QUIT\r\n")
    await w.drain()
    w.close()


async def load(server, user, seed, start, count, connections=8, made=None):
    """Puts messages start..<start+count of the corpus into user's INBOX over LMTP, made
    as they go unless `made` holds them already (for timed runs, so that making them is
    not measured). The first goes alone, so that parallel deliveries do not race to
    create the mailbox."""
    def corpus(lo, hi):
        return made[lo:hi] if made is not None else [message(seed, i) for i in range(lo, hi)]
    if start == 0 and count > 1:
        await lmtp_deliver(server.lmtp, user, corpus(0, 1))
        start, count = 1, count - 1
    per = (count + connections - 1) // connections

    async def one(k):
        lo, hi = start + k * per, min(start + count, start + (k + 1) * per)
        for a in range(lo, hi, 500):
            await lmtp_deliver(server.lmtp, user, corpus(a, min(hi, a + 500)))

    await asyncio.gather(*(one(k) for k in range(connections)))


async def wait_ready(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port)
            await r.readline()
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}")


# ---------------------------------------------------------------- measurements

HEADER_SYNC = ("UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID "
               "Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])")


async def timed(coro_factory, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        await coro_factory()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


async def pop3_answers(reader, count):
    """Reads `count` multi-line POP3 answers in large reads, counting their ends: a
    dot-stuffed answer holds CRLF "." CRLF only where it ends (reading line by line would
    time the Python client, not the server)."""
    end, tail = b"\r\n.\r\n", b""
    while count > 0:
        chunk = await reader.read(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        text = tail + chunk
        count -= text.count(end)
        tail = text[-4:]
    if count < 0:
        raise RuntimeError("more POP3 answers than commands")


async def settle(server, limit=1800):
    """Waits until the server's processes use less than a tenth of a core for three
    seconds running: work a server does after answering (Roost building a full-text index,
    Dovecot writing its caches) must not be timed as part of what comes next. Returns the
    seconds waited."""
    t0 = time.perf_counter()
    quiet, last = 0, process_cpu(server.pids())
    while quiet < 3 and time.perf_counter() - t0 < limit:
        await asyncio.sleep(1)
        now = process_cpu(server.pids())
        quiet = quiet + 1 if now - last < 0.1 else 0
        last = now
    return time.perf_counter() - t0


async def quiet(servers, window=0.2, limit=120):
    """Waits until `servers` use less than a tenth of a core for two windows running: the
    work one server does after answering (Roost's full-text index or flag folding,
    Dovecot's cache writes) must not slow the other's timed run."""
    if not servers:
        return
    t0 = time.perf_counter()
    calm, last = 0, sum(process_cpu(s.pids()) for s in servers)
    while calm < 2 and time.perf_counter() - t0 < limit:
        await asyncio.sleep(window)
        now = sum(process_cpu(s.pids()) for s in servers)
        calm = calm + 1 if now - last < window / 10 else 0
        last = now


async def interleaved(servers, runs, once):
    """Calls `once(server, r)` for each run r, the servers taking turns and the first of
    each turn alternating: the machine's speed drifts over minutes, and both servers
    must see the same drift. Returns, per server name, the median of each figure `once`
    returned (a dict of name -> value)."""
    seen = {s.name: {} for s in servers}
    for r in range(runs):
        for s in (servers if r % 2 == 0 else servers[::-1]):
            await quiet([o for o in servers if o is not s])
            for k, v in (await once(s, r)).items():
                seen[s.name].setdefault(k, []).append(v)
    return {name: {k: statistics.median(v) for k, v in figures.items()} for name, figures in seen.items()}


async def measure(servers, args):
    """Every figure for each server, both measured in turns: a dict of server name -> a
    dict of name -> value (seconds, or a rate)."""
    out = {s.name: {} for s in servers}
    runs = args.runs
    seed = args.seed

    def keep(medians):
        for name, figures in medians.items():
            out[name].update(figures)

    # LMTP delivery, 1 and 8 connections (fresh users each run).
    progress("LMTP delivery")
    made = [message(seed + 7, i) for i in range(args.lmtp_messages)]
    for conns in (1, 8):
        async def deliver(server, r, conns=conns):
            n = args.lmtp_messages
            t = time.perf_counter()
            await load(server, f"lmtp{conns}r{r}", seed + 7, 0, n, connections=conns, made=made)
            return {f"lmtp{conns}": n / (time.perf_counter() - t)}
        keep(await interleaved(servers, runs, deliver))

    # APPEND over one connection.
    progress("APPEND")
    msgs = [message(seed + 11, i) for i in range(args.append_messages)]

    async def append(server, r):
        c = await IMAP.connect(server.imap, f"append{r}")
        t = time.perf_counter()
        for m in msgs:
            await c.command("APPEND INBOX", m)
        rate = len(msgs) / (time.perf_counter() - t)
        await c.close()
        return {"append": rate}
    keep(await interleaved(servers, runs, append))

    # The big mailboxes; the header sync, SEARCH, FETCH BODY[] and STORE at 100,000 (or
    # the largest size below it).
    for size in args.sizes:
        here = [s for s in servers if not (s.name == "Dovecot" and args.dovecot_largest and size > args.dovecot_largest)]
        user = f"big{size}"
        conns = {}
        for server in here:
            progress(f"{server.name}: loading {size:,} messages")
            t = time.perf_counter()
            await load(server, user, seed, 0, size)
            out[server.name][f"load{size}"] = size / (time.perf_counter() - t)
            await settle(server)
            conns[server.name] = await IMAP.connect(server.imap, user)
        progress(f"timing SELECT and FLAGS at {size:,}")

        for key, command in ((f"select{size}", lambda c: c.command("SELECT INBOX")),
                             (f"flags{size}", lambda c: c.bulk("UID FETCH 1:* (FLAGS)"))):
            async def timing(server, r, key=key, command=command):
                t = time.perf_counter()
                await command(conns[server.name])
                return {key: time.perf_counter() - t}
            keep(await interleaved(here, runs, timing))
        if size == args.detail:
            progress(f"timing the header sync, SEARCH, FETCH and STORE at {size:,}")
            # The first text search, untimed by the median: Roost scans and starts building
            # its full-text index, which the runs after it use once it is built.
            for server in here:
                t0 = time.perf_counter()
                await conns[server.name].command("UID SEARCH BODY zebrafish")
                out[server.name]["searchbodyfirst"] = time.perf_counter() - t0
                out[server.name]["settledAfterSearch"] = await settle(server)
            n = min(2000, size)
            total = sum(len(message(seed, i)) for i in range(n))
            timings = [
                ("headers", lambda c: c.bulk(HEADER_SYNC)),
                ("searchflag", lambda c: c.command("UID SEARCH UNSEEN")),
                ("searchfrom", lambda c: c.command("UID SEARCH FROM sender17@example.org")),
                ("searchbody", lambda c: c.command("UID SEARCH BODY zebrafish")),
                # FETCH BODY[] of the first 2,000 messages, in MB/s (below).
                ("bodyMBs", lambda c: c.bulk(f"UID FETCH 1:{n} BODY.PEEK[]")),
                # STORE +FLAGS on every message; put back below, untimed.
                ("store", lambda c: c.bulk("UID STORE 1:* +FLAGS.SILENT (\\Flagged)")),
            ]
            for key, command in timings:
                async def timing(server, r, key=key, command=command):
                    c = conns[server.name]
                    t = time.perf_counter()
                    await command(c)
                    elapsed = time.perf_counter() - t
                    if key == "store":
                        await c.bulk("UID STORE 1:* -FLAGS.SILENT (\\Flagged)")
                    return {key: total / elapsed / 1e6 if key == "bodyMBs" else elapsed}
                keep(await interleaved(here, runs, timing))
        for c in conns.values():
            await c.close()

    # EXPUNGE of 10% of a 10,000-message mailbox (a fresh one each run).
    progress("EXPUNGE, STATUS, POP3")

    async def expunge(server, r):
        user = f"expunge{r}"
        await load(server, user, seed + 3, 0, 10_000)
        await settle(server)
        c = await IMAP.connect(server.imap, user)
        await c.command("SELECT INBOX")
        await c.bulk("UID STORE " + ",".join(str(u) for u in range(1, 10_001, 10)) + " +FLAGS.SILENT (\\Deleted)")
        t = time.perf_counter()
        await c.bulk("EXPUNGE")
        elapsed = time.perf_counter() - t
        await c.close()
        return {"expunge": elapsed}
    keep(await interleaved(servers, runs, expunge))

    # STATUS of 1,000 mailboxes, pipelined.
    many = {}
    for server in servers:
        c = many[server.name] = await IMAP.connect(server.imap, "many")
        for k in range(0, 1000, 100):
            tags = []
            for i in range(k, k + 100):
                tag = c.tag()
                tags.append(tag)
                c.w.write(f"{tag} CREATE box{i}\r\n".encode())
            await c.read_until(tags[-1])

    async def statuses(server, r):
        c = many[server.name]
        t = time.perf_counter()
        tags = []
        for i in range(1000):
            tag = c.tag()
            tags.append(tag)
            c.w.write(f"{tag} STATUS box{i} (MESSAGES UIDNEXT UNSEEN)\r\n".encode())
        await c.read_until(tags[-1])
        return {"status": time.perf_counter() - t}
    keep(await interleaved(servers, runs, statuses))
    for c in many.values():
        await c.close()

    # POP3 UIDL and RETR of 10,000 messages.
    for server in servers:
        await load(server, "pop", seed + 5, 0, 10_000)
        await settle(server)

    async def pop3(server, r):
        reader, w = await asyncio.open_connection("127.0.0.1", server.pop3, limit=1 << 24)
        await reader.readline()
        w.write(f"USER pop@bench.test\r\nPASS {PASSWORD}\r\n".encode())
        await reader.readline()
        line = await reader.readline()
        if not line.startswith(b"+OK"):
            raise RuntimeError(f"POP3 login: {text_of(line)}")
        t = time.perf_counter()
        w.write(b"UIDL\r\n")
        while await reader.readline() != b".\r\n":
            pass
        uidl = time.perf_counter() - t
        t = time.perf_counter()
        for k in range(1, 10_001, 100):
            w.write(b"".join(f"RETR {i}\r\n".encode() for i in range(k, k + 100)))
            await pop3_answers(reader, 100)
        retr = time.perf_counter() - t
        w.write(b"QUIT\r\n")
        await reader.readline()
        w.close()
        return {"uidl": uidl, "retr": retr}
    keep(await interleaved(servers, runs, pop3))

    # IDLE, one server after the other (memory is measured, not speed): push delay after
    # LMTP deliveries, then memory with many IDLE connections.
    for server in servers:
        progress(f"{server.name}: IDLE")
        out[server.name].update(await idle(server, args))
    return out


async def idle(server, args):
    """The IDLE push delays and the memory of `args.idle` IDLE connections."""
    out = {}
    seed = args.seed
    c = await IMAP.connect(server.imap, "push")
    await c.command("SELECT INBOX")
    tag = c.tag()
    c.w.write(f"{tag} IDLE\r\n".encode())
    await c.r.readline()
    delays = []
    r, w = await asyncio.open_connection("127.0.0.1", server.lmtp)
    await r.readline()
    w.write(b"LHLO bench\r\n")
    while not (await r.readline()).startswith(b"250 "):
        pass
    for i in range(args.push_messages):
        w.write(b"MAIL FROM:<bench@example.org>\r\nRCPT TO:<push@bench.test>\r\nDATA\r\n")
        for _ in range(3):
            await r.readline()
        w.write(stuffed(message(seed + 13, i)) + b".\r\n")
        t = time.perf_counter()
        while not (await c.r.readline()).endswith(b"EXISTS\r\n"):
            pass
        delays.append(time.perf_counter() - t)
        await r.readline()
    w.close()
    delays.sort()
    out["push50"] = delays[len(delays) // 2]
    out["push99"] = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    c.w.write(b"DONE\r\n")
    await c.close()

    # Connections are added until --idle, or until the machine has less than 2 GB left
    # (a server with a process per connection may not fit); the table then gives what the
    # count reached and the rest in proportion.
    idlers = []
    base = process_rss(server.pids())
    basePSS = process_pss(server.pids())
    for k in range(0, args.idle, 200):
        if memory_available() < 2 << 30:
            progress(f"{server.name}: stopped at {k:,} IDLE connections, {memory_available() >> 20:,} MB left")
            break
        try:
            batch = await asyncio.gather(*(IMAP.connect(server.imap, "idle") for _ in range(min(200, args.idle - k))))
            for i in batch:
                await i.command("SELECT INBOX")
                i.w.write(b"I IDLE\r\n")
                await i.r.readline()
        except (OSError, ConnectionError, RuntimeError) as error:
            progress(f"{server.name}: stopped at {k:,} IDLE connections: {error}")
            break
        idlers += batch
    await asyncio.sleep(2)
    out["idleCount"] = len(idlers)
    out["idleRSSmeasured"] = process_rss(server.pids())
    out["idleRSSbase"] = base
    out["idleRSS"] = base + (out["idleRSSmeasured"] - base) * args.idle / max(1, len(idlers))
    out["idlePSSmeasured"] = process_pss(server.pids())
    out["idlePSS"] = basePSS + (out["idlePSSmeasured"] - basePSS) * args.idle / max(1, len(idlers))
    for i in idlers:
        i.w.close()
    return out


# ---------------------------------------------------------------- report

ROWS = [
    # key, label, unit, higher is better
    ("lmtp1", "LMTP delivery, 1 connection", "msgs/s", True),
    ("lmtp8", "LMTP delivery, 8 connections", "msgs/s", True),
    ("append", "APPEND, 1 connection", "msgs/s", True),
    ("load{}", "LMTP delivery filling the {}-message mailbox (8 connections)", "msgs/s", True),
    ("select{}", "SELECT, {} messages", "ms", False),
    ("flags{}", "UID FETCH 1:* (FLAGS), {} messages", "ms", False),
    ("headers", "Thunderbird header sync, {detail} messages", "ms", False),
    ("bodyMBs", "FETCH BODY[] of 2,000 messages", "MB/s", True),
    ("searchflag", "UID SEARCH UNSEEN, {detail}", "ms", False),
    ("searchfrom", "UID SEARCH FROM, {detail}", "ms", False),
    ("searchbody", "UID SEARCH BODY, {detail}", "ms", False),
    ("searchbodyfirst", "UID SEARCH BODY, {detail}, the first (Roost: no index yet)", "ms", False),
    ("store", "UID STORE 1:* +FLAGS, {detail}", "ms", False),
    ("expunge", "EXPUNGE 10% of 10,000", "ms", False),
    ("status", "STATUS of 1,000 mailboxes", "ms", False),
    ("uidl", "POP3 UIDL, 10,000", "ms", False),
    ("retr", "POP3 RETR of 10,000", "ms", False),
    ("push50", "IDLE push after LMTP, p50", "ms", False),
    ("push99", "IDLE push after LMTP, p99", "ms", False),
    ("idleRSS", "RSS with {idle} IDLE connections", "MB", False),
    ("idlePSS", "PSS with {idle} IDLE connections (shared pages counted once)", "MB", False),
]


def table(results, args):
    roost, dovecot = results["Roost"], results["Dovecot"]
    lines = ["| measurement | Roost | Dovecot | Roost advantage |", "|---|---:|---:|---:|"]
    for key, label, unit, higher in ROWS:
        keys = [(key.format(s), label.format(f"{s:,}")) for s in args.sizes] if "{}" in key else [(key, label)]
        for k, text in keys:
            text = text.replace("{detail}", f"{args.detail:,}").replace("{idle}", f"{args.idle:,}")
            scale = 1000 if unit == "ms" else 1 / 1e6 if unit == "MB" else 1
            if k not in roost and k not in dovecot:
                continue  # figures saved by an older compare.py
            if k not in roost or k not in dovecot:
                # A size one server was not measured at (--dovecot-largest), or a figure
                # one side's saved results lack.
                figures = [f"{r[k] * scale:,.1f} {unit}" if k in r else "not measured" for r in (roost, dovecot)]
                lines.append(f"| {text} | {figures[0]} | {figures[1]} | — |")
                continue
            a, b = roost[k], dovecot[k]
            if k in ("idleRSS", "idlePSS"):
                text += "".join(f" ({name}: measured at {r['idleCount']:,}, {r[k + 'measured'] / 1e6:,.0f} MB, the rest in proportion)"
                                for name, r in (("Roost", roost), ("Dovecot", dovecot)) if r["idleCount"] < args.idle)
            ratio = (a / b) if higher else (b / a if a else float("inf"))
            lines.append(f"| {text} | {a * scale:,.1f} {unit} | {b * scale:,.1f} {unit} | {ratio:.2f}× |")
    cat = results.get("catMBs")
    if cat:
        lines.append(f"\n`cat` of the same 2,000 messages from the page cache: {cat:,.0f} MB/s.")
    return "\n".join(lines)


def cat_rate(args):
    """MB/s of cat copying the same bytes FETCH BODY[] sends, from the page cache."""
    n = min(2000, max(args.sizes))
    with tempfile.NamedTemporaryFile(delete=False) as f:
        for i in range(n):
            f.write(message(args.seed, i))
        path = f.name
    size = os.path.getsize(path)
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL)
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        p = subprocess.Popen(["cat", path], stdout=subprocess.PIPE)
        while p.stdout.read(1 << 20):
            pass
        p.wait()
        times.append(time.perf_counter() - t)
    os.unlink(path)
    return size / statistics.median(times) / 1e6


def plots(results, args, directory):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plots", file=sys.stderr)
        return []
    made = []
    os.makedirs(directory, exist_ok=True)
    for key, title in (("select", "SELECT"), ("flags", "UID FETCH 1:* (FLAGS)")):
        fig, ax = plt.subplots(figsize=(6, 4))
        for server in ("Roost", "Dovecot"):
            sizes = [s for s in args.sizes if f"{key}{s}" in results[server]]
            ax.plot(sizes, [results[server][f"{key}{s}"] * 1000 for s in sizes], marker="o", label=server)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("messages in the mailbox")
        ax.set_ylabel("ms")
        ax.set_title(title)
        ax.legend()
        path = os.path.join(directory, f"{key}.png")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        made.append(os.path.relpath(path, ROOT))
    return made


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30)
    return f"{model}, {os.cpu_count()} cores, {mem:.0f} GB, {platform.platform()}"


def write_report(text, args, versions, pictures, elapsed):
    path = os.path.join(ROOT, "BENCHMARKS.md")
    with open(path) as f:
        content = f.read()
    begin, end = "<!-- compare:begin -->", "<!-- compare:end -->"
    section = [begin, "", f"Measured {datetime.date.today().isoformat()} on {machine()}; {', '.join(versions)}.",
               f"Command: `Benchmarks/compare/run {' '.join(sys.argv[1:])}` ({elapsed / 60:.0f} minutes).",
               f"Median of {args.runs} runs, the two servers taking turns. The advantage is Roost's rate over Dovecot's, or Dovecot's time over "
               "Roost's: above 1 Roost is ahead.", "", text, ""]
    section += [f"![{os.path.basename(p)}]({p})" for p in pictures]
    section += ["", end]
    block = "\n".join(section)
    if begin in content:
        content = content[:content.index(begin)] + block + content[content.index(end) + len(end):]
    else:
        content = content.rstrip() + "\n\n## Side by side with Dovecot\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(content)


async def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10000,100000", help="mailbox sizes, comma-separated (add 1000000 for the long run)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--lmtp-messages", type=int, default=2000)
    p.add_argument("--append-messages", type=int, default=1000)
    p.add_argument("--push-messages", type=int, default=200)
    p.add_argument("--idle", type=int, default=10000, help="IDLE connections for the memory figure")
    p.add_argument("--dovecot-largest", type=int, default=0,
                   help="measure Dovecot only at sizes up to this (its delivery into a growing sdbox mailbox slows "
                        "to about 140 msgs/s past 100,000 messages here, so a million takes two hours)")
    p.add_argument("--only", choices=["Roost", "Dovecot"], help="measure one server")
    p.add_argument("--saved", choices=["Roost", "Dovecot"], action="append", default=[],
                   help="take this server's figures from the last run's saved file instead of measuring it again")
    p.add_argument("--write", action="store_true", help="put the table and plots in BENCHMARKS.md")
    args = p.parse_args()
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    args.detail = 100_000 if 100_000 in args.sizes else max(s for s in args.sizes if s <= 100_000 or s == min(args.sizes))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.idle + 100 > hard:
        sys.exit(f"--idle {args.idle} needs more file descriptors than this system allows ({hard})")

    users = ([f"lmtp{c}r{r}" for c in (1, 8) for r in range(args.runs)] + [f"append{r}" for r in range(args.runs)]
             + [f"big{s}" for s in args.sizes] + [f"expunge{r}" for r in range(args.runs)] + ["many", "pop", "push", "idle"])
    started = time.time()
    results, versions = {}, []
    saved = os.path.join(ROOT, ".build-compare")
    os.makedirs(saved, exist_ok=True)
    # Both servers run at once and are measured in turns (see `interleaved`).
    live, works = [], []
    try:
        for kind in (Roost, Dovecot):
            if args.only and kind.name != args.only:
                continue
            path = os.path.join(saved, f"results-{kind.name.lower()}.json")
            if kind.name in args.saved:
                with open(path) as f:
                    kept = json.load(f)
                results[kind.name], version = kept["results"], kept["version"]
                versions.append(version)
                progress(f"{kind.name}: figures from {path}")
                continue
            work = tempfile.mkdtemp(prefix=f"compare-{kind.name.lower()}-", dir=os.environ.get("COMPARE_TMP"))
            os.chmod(work, 0o755)
            works.append(work)
            live.append(kind(work, users))
        for server in live:
            await wait_ready(server.imap)
            await wait_ready(server.lmtp)
        progress("measuring " + " and ".join(s.name for s in live))
        measured = await measure(live, args) if live else {}
        for server in live:
            results[server.name] = measured[server.name]
            versions.append(server.version())
            with open(os.path.join(saved, f"results-{server.name.lower()}.json"), "w") as f:
                json.dump({"results": results[server.name], "version": versions[-1], "arguments": sys.argv[1:]}, f)
    finally:
        for server in live:
            server.stop()
        for work in works:
            shutil.rmtree(work, ignore_errors=True)
    versions.sort(key=lambda v: not v.startswith("Roost"))
    for name, r in results.items():
        progress(f"{name}: first text search {r.get('searchbodyfirst', 0):.1f} s, settled {r.get('settledAfterSearch', 0):.0f} s after it")
    if len(results) < 2:
        for k, v in next(iter(results.values())).items():
            print(f"{k}: {v:.4f}")
        return
    results["catMBs"] = cat_rate(args)
    text = table(results, args)
    print(text)
    if args.write:
        pictures = plots(results, args, os.path.join(HERE, "plots"))
        write_report(text, args, versions, pictures, time.time() - started)


if __name__ == "__main__":
    asyncio.run(main())
