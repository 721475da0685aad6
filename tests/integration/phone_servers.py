"""SMS and voice providers for the integration tests.

- KannelGateway: the real Kannel (Debian `kannel`, `kannel-extras`): bearerbox with a
  `fake` SMSC, Kannel's own test SMSC `fakesmsc` connected to it, and smsbox serving
  /cgi-bin/sendsms. What the fake SMSC receives is what a phone would have got.
- WebhookReceiver: a local HTTP server recording every request (http.server).
- FakeTwilio: a local HTTP server speaking Twilio's REST wire format for
  Messages.json and Calls.json: the paths, form fields, HTTP basic auth, and JSON
  answers, including Twilio's error bodies ({"code": 21211, "message": ...}).
"""
import base64
import json
import os
import re
import shutil
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from lk import free_port, wait_for_port, wait_until

KANNEL_BEARERBOX = "/usr/sbin/bearerbox"
KANNEL_SMSBOX = "/usr/sbin/smsbox"
KANNEL_FAKESMSC = "/usr/lib/kannel/test/fakesmsc"


def kannel_missing():
    """Why Kannel cannot run here, or None."""
    for path in (KANNEL_BEARERBOX, KANNEL_SMSBOX, KANNEL_FAKESMSC):
        if not os.access(path, os.X_OK):
            return path + " is missing: install the Debian packages kannel and kannel-extras"
    return None


class KannelGateway:
    """bearerbox + fakesmsc + smsbox on loopback ports below 32768."""

    USER = "latchkey"
    PASSWORD = "kannel-send-pw"
    # A number the sendsms user may not send to (Kannel's black-list-regex): Kannel
    # answers 400 "Number(s) has/have been denied by white- and/or black-lists."
    BARRED = "+447400123499"

    def __init__(self, directory):
        self.dir = os.path.join(directory, "kannel-%s" % uuid.uuid4().hex[:8])
        os.makedirs(self.dir)
        self.admin_port = free_port()
        self.box_port = free_port()
        self.smsc_port = free_port()
        self.sendsms_port = free_port()
        self.procs = {}
        self.fake_out = os.path.join(self.dir, "fakesmsc.out")
        self.conf = os.path.join(self.dir, "kannel.conf")
        with open(self.conf, "w") as f:
            f.write("""group = core
admin-port = {admin}
admin-interface = 127.0.0.1
admin-password = "admin-{rand}"
admin-allow-ip = "127.0.0.1"
smsbox-port = {box}
box-allow-ip = "127.0.0.1"
log-file = "{dir}/bearerbox.log"
log-level = 0
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = FAKE
port = {smsc}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {box}
sendsms-port = {sendsms}
sendsms-interface = 127.0.0.1
log-file = "{dir}/smsbox.log"
log-level = 0

group = sendsms-user
username = {user}
password = "{password}"
max-messages = 3
concatenation = true
black-list-regex = "447400123499$"

group = sms-service
keyword = default
text = "No service here"
""".format(admin=self.admin_port, box=self.box_port, smsc=self.smsc_port,
           sendsms=self.sendsms_port, dir=self.dir, user=self.USER, password=self.PASSWORD,
           rand=uuid.uuid4().hex[:8]))

    @property
    def url(self):
        return "http://127.0.0.1:%d/cgi-bin/sendsms" % self.sendsms_port

    def _spawn(self, name, args, stdin=None):
        log = open(os.path.join(self.dir, name + ".stdout"), "ab")
        proc = subprocess.Popen(args, cwd=self.dir, stdin=stdin, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = (proc, log)
        return proc

    def start(self):
        self._spawn("bearerbox", [KANNEL_BEARERBOX, "-v", "1", self.conf])
        wait_for_port(self.smsc_port)
        wait_for_port(self.box_port)
        self.start_fakesmsc()
        self.start_smsbox()
        return self

    def start_fakesmsc(self):
        # -m 0: send no mobile-originated messages, only print what arrives ("Got
        # message N: <from to text ...>"); the message argument is required but unused.
        out = open(self.fake_out, "ab")
        proc = subprocess.Popen([KANNEL_FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc_port),
                                 "-i", "1", "-m", "0", "100 200 text unused"],
                                cwd=self.dir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        self.procs["fakesmsc"] = (proc, out)
        wait_until(lambda: "Connecting to" in self._read(self.fake_out), 20, what="fakesmsc to connect")

    def start_smsbox(self):
        self._spawn("smsbox", [KANNEL_SMSBOX, "-v", "1", self.conf])
        wait_for_port(self.sendsms_port)

    def stop_smsbox(self):
        self._stop("smsbox")
        wait_until(lambda: not self._port_open(self.sendsms_port), 20, what="smsbox to stop")

    @staticmethod
    def _port_open(port):
        import socket
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", port)) == 0

    @staticmethod
    def _read(path):
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _stop(self, name):
        entry = self.procs.pop(name, None)
        if not entry:
            return
        proc, log = entry
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdin:
            proc.stdin.close()
        log.close()

    def stop(self):
        for name in ("smsbox", "fakesmsc", "bearerbox"):
            self._stop(name)

    def received(self):
        """Messages the fake SMSC got: [(sender, receiver, text)], oldest first."""
        out = []
        for m in re.finditer(r"Got message \d+: <(\S*) (\S+) text (.*)>\s*$", self._read(self.fake_out), re.M):
            out.append((m.group(1), m.group(2), m.group(3)))
        return out

    def wait_for_message(self, to, count=1, timeout=30.0):
        def found():
            mine = [m for m in self.received() if m[1] == to]
            return mine if len(mine) >= count else None
        return wait_until(found, timeout, what="an SMS to %s at the fake SMSC" % to)

    def logs(self):
        return "\n".join("== %s\n%s" % (n, self._read(os.path.join(self.dir, n)))
                         for n in ("bearerbox.log", "smsbox.log", "fakesmsc.out"))


class _Recorder:
    """Shared state of a recording server: requests seen and the next answers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []

    def add(self, record):
        with self.lock:
            self.requests.append(record)

    def all(self):
        with self.lock:
            return list(self.requests)

    def wait_for(self, predicate=lambda r: True, count=1, timeout=30.0, what="a request"):
        def found():
            mine = [r for r in self.all() if predicate(r)]
            return mine if len(mine) >= count else None
        return wait_until(found, timeout, what=what)


class _Server:
    def __init__(self, handler_class):
        self.port = free_port()
        self.recorder = _Recorder()
        handler = type("Handler", (handler_class,), {"owner": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests(self):
        return self.recorder.all()

    def wait_for(self, *args, **kwargs):
        return self.recorder.wait_for(*args, **kwargs)


class _QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class WebhookReceiver(_Server):
    """Records each POST; answers `status` (settable) with `reply`."""

    def __init__(self):
        self.status = 200
        self.reply = '{"ok":true}'

        class Handler(_QuietHandler):
            def do_POST(self):
                body = self._body()
                owner = self.owner
                owner.recorder.add({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                    "body": body.decode("utf-8", "replace"), "status": owner.status})
                self._answer(owner.status, owner.reply)
        super().__init__(Handler)

    @property
    def url(self):
        return "http://127.0.0.1:%d/hooks/sms" % self.port


def twilio_error(code, message, status):
    return json.dumps({"code": code, "message": message,
                       "more_info": "https://www.twilio.com/docs/errors/%d" % code, "status": status})


class FakeTwilio(_Server):
    """Twilio's REST API as far as Latchkey uses it (API version 2010-04-01)."""

    ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
    AUTH_TOKEN = "twilio-test-token-" + uuid.uuid4().hex[:12]

    def __init__(self):
        self.down = False          # answer 503 with Twilio's 20500 body
        self.invalid_numbers = set()  # To numbers refused with 21211

        class Handler(_QuietHandler):
            def do_POST(self):
                owner = self.owner
                raw = self._body()
                form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
                record = {"path": self.path, "form": form,
                          "content_type": self.headers.get("Content-Type", ""),
                          "authorization": self.headers.get("Authorization", "")}
                m = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/(Messages|Calls)\.json", self.path)
                if not m:
                    record["answer"] = 404
                    owner.recorder.add(record)
                    return self._answer(404, twilio_error(20404, "The requested resource %s was not found" % self.path, 404))
                sid, kind = m.group(1), m.group(2)
                expected = "Basic " + base64.b64encode(("%s:%s" % (owner.ACCOUNT_SID, owner.AUTH_TOKEN)).encode()).decode()
                if record["authorization"] != expected or sid != owner.ACCOUNT_SID:
                    record["answer"] = 401
                    owner.recorder.add(record)
                    return self._answer(401, twilio_error(20003, "Authenticate", 401))
                if owner.down:
                    record["answer"] = 503
                    owner.recorder.add(record)
                    return self._answer(503, twilio_error(20500, "An internal server error has occurred", 500))
                if not record["content_type"].startswith("application/x-www-form-urlencoded"):
                    record["answer"] = 400
                    owner.recorder.add(record)
                    return self._answer(400, twilio_error(20001, "Unsupported content type", 400))
                to = form.get("To", "")
                if not to:
                    record["answer"] = 400
                    owner.recorder.add(record)
                    return self._answer(400, twilio_error(21604, "A 'To' phone number is required.", 400))
                if to in owner.invalid_numbers or not re.fullmatch(r"\+[1-9]\d{6,14}", to):
                    record["answer"] = 400
                    owner.recorder.add(record)
                    return self._answer(400, twilio_error(21211, "The 'To' number %s is not a valid phone number." % to, 400))
                if kind == "Messages":
                    if not form.get("From") and not form.get("MessagingServiceSid"):
                        record["answer"] = 400
                        owner.recorder.add(record)
                        return self._answer(400, twilio_error(21603, "A 'From' phone number is required.", 400))
                    if not form.get("Body"):
                        record["answer"] = 400
                        owner.recorder.add(record)
                        return self._answer(400, twilio_error(21602, "Message body is required.", 400))
                    resource = {"sid": "SM" + uuid.uuid4().hex, "account_sid": sid, "to": to,
                                "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
                                "body": form["Body"], "status": "queued", "num_segments": "1",
                                "api_version": "2010-04-01", "direction": "outbound-api",
                                "uri": "/2010-04-01/Accounts/%s/Messages/%s.json" % (sid, "SM")}
                else:
                    if not form.get("From"):
                        record["answer"] = 400
                        owner.recorder.add(record)
                        return self._answer(400, twilio_error(21213, "Caller phone number is required", 400))
                    if not form.get("Twiml") and not form.get("Url"):
                        record["answer"] = 400
                        owner.recorder.add(record)
                        return self._answer(400, twilio_error(21205, "Url parameter is required.", 400))
                    resource = {"sid": "CA" + uuid.uuid4().hex, "account_sid": sid, "to": to,
                                "from": form["From"], "status": "queued", "api_version": "2010-04-01",
                                "direction": "outbound-api"}
                record["answer"] = 201
                owner.recorder.add(record)
                return self._answer(201, json.dumps(resource))
        super().__init__(Handler)

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def accepted(self, kind="Messages"):
        return [r for r in self.requests() if r.get("answer") == 201 and r["path"].endswith("/%s.json" % kind)]
