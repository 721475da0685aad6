"""Shared helpers for Latchkey's integration tests.

Every test starts the real `latchkey` binary (LATCHKEY_BIN) with its own config in a
temporary directory, and real servers next to it (aiosmtpd), on loopback ports below
32768 chosen at random, and talks to it over HTTP like any client would.
"""
import glob
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("LATCHKEY_BIN", os.path.join(os.path.dirname(__file__), "../../build/latchkey"))
PYTHON = "/usr/bin/python3"  # Debian's: the one that has aiosmtpd
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    """A free loopback port in 20000-31999 (below the ephemeral range)."""
    for _ in range(200):
        port = random.randint(20000, 31999)
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port")


def wait_until(predicate, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting for " + what)


def wait_for_port(port, timeout=20.0):
    def is_open():
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", port)) == 0
    wait_until(is_open, timeout, what="port %d" % port)


def make_self_signed_cert(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class SmtpServer:
    """The real aiosmtpd server, storing messages through smtp_sink.Sink."""

    def __init__(self, directory, port=None, handler="smtp_sink.Sink", tls=None, smtps=None):
        self.dir = os.path.join(directory, "mail-%d" % random.randint(0, 1 << 30))
        os.makedirs(self.dir)
        self.port = port or free_port()
        self.handler = handler
        self.tls = tls
        self.smtps = smtps
        self.proc = None
        self.log_path = os.path.join(directory, "aiosmtpd-%d.log" % self.port)

    def start(self):
        args = [PYTHON, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:%d" % self.port, "-c", self.handler]
        if self.tls:
            args += ["--tlscert", self.tls[0], "--tlskey", self.tls[1]]
        if self.smtps:
            args += ["--smtpscert", self.smtps[0], "--smtpskey", self.smtps[1]]
        if self.handler == "smtp_sink.Sink":
            args.append(self.dir)
        self.log = open(self.log_path, "ab")
        env = dict(os.environ, PYTHONPATH=HERE)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log, env=env)
        wait_for_port(self.port)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()

    def messages(self):
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "*.json"))):
            with open(path) as f:
                out.append(json.load(f))
        return out

    def wait_for_message(self, to, count=1, timeout=30.0):
        def found():
            mine = [m for m in self.messages() if to in m["rcpt_tos"]]
            return mine if len(mine) >= count else None
        return wait_until(found, timeout, what="mail to " + to)


def code_in(message):
    """The 6-digit code in a delivered message (decoding base64 bodies too)."""
    import email
    msg = email.message_from_string(message["content"])
    body = msg.get_payload(decode=True).decode("utf-8")
    m = re.search(r"code is: (\d{6,10})", body)
    if not m:
        raise AssertionError("no code in: " + body)
    return m.group(1)


class Latchkey:
    """One `latchkey serve` process with its own directory and config."""

    def __init__(self, config=None, directory=None, env=None):
        self.dir = directory or tempfile.mkdtemp(prefix="latchkey-it-")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.config_path = os.path.join(self.dir, "latchkey.toml")
        # The service refuses unknown LATCHKEY_* variables: pass only the ones a test sets.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        self.env.update(env or {})
        self.proc = None
        self.write_config(config or {})

    def write_config(self, config):
        cfg = {"server": {"listen": "127.0.0.1:%d" % self.port,
                          "public_url": "http://127.0.0.1:%d" % self.port},
               "store": {"url": "sqlite://" + os.path.join(self.dir, "var", "latchkey.db")},
               "password": {"hash_memory_kib": 8192, "hash_iterations": 1},
               # Off unless a test is about it: the CAPTCHA has its own tests.
               "captcha": {"enabled": False},
               "delivery": {"retry_initial_seconds": 1, "retry_max_seconds": 2,
                            "poll_interval_ms": 100}}
        for section, values in config.items():
            cfg.setdefault(section, {}).update(values)
        with open(self.config_path, "w") as f:
            for section, values in cfg.items():
                f.write("[%s]\n" % section)
                for k, v in values.items():
                    f.write("%s = %s\n" % (k, json.dumps(v)))
        self.config = cfg

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, wait=True, extra_args=()):
        self.out = open(os.path.join(self.dir, "serve.out"), "ab")
        self.err_path = os.path.join(self.dir, "serve.err")
        self.err = open(self.err_path, "ab")
        self.proc = subprocess.Popen([BIN, "--config", self.config_path, "serve", *extra_args],
                                     cwd=self.dir, stdout=self.out, stderr=self.err, env=self.env)
        if wait:
            def healthy():
                if self.proc.poll() is not None:
                    raise AssertionError("latchkey exited with %s: %s" % (self.proc.returncode, self.stderr()))
                try:
                    return self.request("GET", "/healthz")[0] == 200
                except OSError:
                    return False
            wait_until(healthy, 30, what="latchkey to serve")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("latchkey did not stop on SIGTERM")
        self.proc = None
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f:
                f.close()

    def stderr(self):
        try:
            with open(self.err_path) as f:
                return f.read()
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def request(self, method, path, body=None, headers=None, raw=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = {"Content-Type": "application/json"} if (body is not None or raw is not None) else {}
        h.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload.decode("utf-8", "replace")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed

    def cli(self, *args, input=None, env=None):
        e = dict(self.env)
        e.update(env or {})
        p = subprocess.run([BIN, "--config", self.config_path, *args], cwd=self.dir, input=input,
                           capture_output=True, text=True, env=e, timeout=120)
        return p.returncode, p.stdout, p.stderr

    # -- the reset flow, step by step --------------------------------------------
    def start_flow(self, username, ip_headers=None):
        return self.request("POST", "/api/v1/flows", {"kind": "reset", "username": username},
                            headers=ip_headers)

    def challenge(self, flow, method=None):
        method = method or flow["methods"][0]["id"]
        return self.request("POST", "/api/v1/flows/%s/challenge" % flow["id"], {"method": method})

    def verify(self, flow, code, method=None):
        method = method or flow["methods"][0]["id"]
        return self.request("POST", "/api/v1/flows/%s/verify" % flow["id"],
                            {"method": method, "code": code})

    def complete(self, flow, password):
        return self.request("POST", "/api/v1/flows/%s/complete" % flow["id"], {"new_password": password})

    def outbox(self, to=None):
        args = ["outbox", "list", "--json"] + (["--to", to] if to else [])
        rc, out, err = self.cli(*args)
        if rc != 0:
            raise AssertionError("outbox list failed: " + err)
        return json.loads(out)


class LatchkeyTestCase(unittest.TestCase):
    """Starts nothing by itself; gives each test a tidy way to own processes."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="latchkey-it-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def latchkey(self, config=None, start=True, env=None):
        lk = Latchkey(config, directory=tempfile.mkdtemp(dir=self.tmp), env=env)
        self.addCleanup(lk.stop)
        if start:
            lk.start()
        return lk

    def smtp(self, **kwargs):
        s = SmtpServer(self.tmp, **kwargs)
        self.addCleanup(s.stop)
        return s.start()

    def add_user(self, lk, name, email=None, password=None, phone=None):
        args = ["user", "add", name]
        if email:
            args += ["--email", email]
        if phone:
            args += ["--phone", phone]
        if password:
            args.append("--password-stdin")
        rc, out, err = lk.cli(*args, input=(password + "\n") if password else None)
        self.assertEqual(rc, 0, err)


# -- signed-in clients, authenticator apps, mail codes ------------------------------
class Browser:
    """Keeps the session cookie like a browser would (one origin)."""

    def __init__(self, lk):
        self.lk = lk
        self.cookie = None
        self.last_set_cookie = None

    def call(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = "latchkey_session=" + self.cookie
        status, resp_headers, data = self.lk.request(method, path, body, headers=h)
        set_cookie = resp_headers.get("set-cookie")
        if set_cookie:
            self.last_set_cookie = set_cookie
            value = set_cookie.split(";")[0].split("=", 1)[1]
            self.cookie = value or None
        return status, resp_headers, data

    def sign_in(self, username, password):
        return self.call("POST", "/api/v1/session", {"username": username, "password": password})

    def sign_out(self):
        return self.call("DELETE", "/api/v1/session")

    def add_method(self, kind, **fields):
        return self.call("POST", "/api/v1/me/methods", dict(fields, kind=kind))

    def verify_method(self, method_id, body):
        return self.call("POST", "/api/v1/me/methods/%s/verify" % method_id, body)

    def methods(self):
        status, _, body = self.call("GET", "/api/v1/me/methods")
        if status != 200:
            raise AssertionError("GET /api/v1/me/methods: %s %s" % (status, body))
        return body["methods"]

    def second_factor(self, method_id, **answer):
        return self.call("POST", "/api/v1/session/verify", dict(answer, method=method_id))


def oathtool_totp(secret_b32, at=None, algorithm="SHA1", digits=6, period=30):
    """The code Debian's oathtool computes for a Base32 key at Unix time `at` (now)."""
    when = int(time.time()) if at is None else int(at)
    args = ["oathtool", "--totp=" + algorithm.lower(), "-b", "-d", str(digits),
            "-s", "%ds" % period, "-N", "@%d" % when, secret_b32]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def oathtool_totp_hex(secret_b32, at=None, algorithm="SHA1", digits=6, period=30):
    """The same code from the key in hex (RFC 6238 style): Base32 -> bytes -> `xxd -p`."""
    import base64
    raw = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    hex_key = subprocess.run(["xxd", "-p", "-c", "200"], input=raw, check=True,
                             capture_output=True).stdout.decode().strip()
    when = int(time.time()) if at is None else int(at)
    args = ["oathtool", "--totp=" + algorithm.lower(), "-d", str(digits), "-s", "%ds" % period,
            "-N", "@%d" % when, hex_key]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def mail_body(message):
    """The decoded text body of a delivered message."""
    import email
    msg = email.message_from_string(message["content"])
    part = msg
    if msg.is_multipart():
        part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode("utf-8")


def mail_subject(message):
    import email
    import email.header
    msg = email.message_from_string(message["content"])
    return str(email.header.make_header(email.header.decode_header(msg["Subject"] or "")))


def wait_for_code(smtp, to, skip=0, timeout=30.0):
    """The code in the first message to `to` after the first `skip` of them that holds
    one (notifications sent meanwhile are passed over)."""
    def found():
        mine = [m for m in smtp.messages() if to in m["rcpt_tos"]][skip:]
        for m in mine:
            if re.search(r"code is: (\d{6,10})", mail_body(m)):
                return code_in(m)
        return None
    return wait_until(found, timeout, what="a code mailed to " + to)


def mail_count(smtp, to):
    return len([m for m in smtp.messages() if to in m["rcpt_tos"]])


class AuthenticatorApp:
    """A person's authenticator app for one registered key: codes from oathtool, one
    time step after another (the service refuses a step it has already accepted, and
    accepts one step either side of its own)."""

    def __init__(self, secret, algorithm="SHA1", digits=6, period=30):
        self.secret = secret
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
        self.last_step = None

    def code_at_step(self, step):
        return oathtool_totp(self.secret, step * self.period, self.algorithm, self.digits, self.period)

    def next_code(self):
        """A code for a step not used yet and within the service's window."""
        now_step = int(time.time()) // self.period
        step = now_step if self.last_step is None else max(now_step, self.last_step + 1)
        while step > int(time.time()) // self.period + 1:  # beyond the window: wait for it
            time.sleep(0.5)
        self.last_step = step
        return self.code_at_step(step)

    def wrong_code(self):
        """A code no step near now has (the window is one step either side)."""
        now_step = int(time.time()) // self.period
        near = {self.code_at_step(s) for s in range(now_step - 3, now_step + 4)}
        n = 0
        while True:
            candidate = str(n).zfill(self.digits)
            if candidate not in near:
                return candidate
            n += 1


def wait_for_mail(smtp, to, predicate, timeout=30.0, what="mail"):
    """The first message to `to` for which predicate(subject, body) holds."""
    def found():
        for m in smtp.messages():
            if to in m["rcpt_tos"] and predicate(mail_subject(m), mail_body(m)):
                return m
        return None
    return wait_until(found, timeout, what=what + " to " + to)
