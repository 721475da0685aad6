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
