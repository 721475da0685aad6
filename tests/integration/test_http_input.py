"""Bad input over HTTP gets the documented error and changes nothing."""
import json
import socket
import unittest

from lk import LatchkeyTestCase


class HttpInputTest(LatchkeyTestCase):
    def setUp(self):
        super().setUp()
        self.lk = self.latchkey()
        self.add_user(self.lk, "alice", email="alice@example.net")

    def assertError(self, response, status, code, field=None):
        got_status, headers, body = response
        self.assertEqual(got_status, status, body)
        self.assertEqual(headers.get("content-type"), "application/json")
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body["error"]["code"], code, body)
        self.assertTrue(body["error"]["message"])
        if field:
            self.assertEqual(body["error"].get("field"), field)

    def test_health_and_readiness(self):
        self.assertEqual(self.lk.request("GET", "/healthz")[2], {"status": "ok"})
        status, _, body = self.lk.request("GET", "/readyz")
        self.assertEqual((status, body["status"]), (200, "ready"))

    def test_malformed_json(self):
        self.assertError(self.lk.request("POST", "/api/v1/flows", raw=b'{"kind": "reset",'), 400, "invalid_json")
        self.assertError(self.lk.request("POST", "/api/v1/flows", raw=b"[1,2]"), 400, "invalid_json")
        self.assertError(self.lk.request("POST", "/api/v1/flows", raw=b""), 400, "invalid_json")
        self.assertError(self.lk.request("POST", "/api/v1/flows", raw=b"\xff\xfe{}"), 400, "invalid_json")

    def test_missing_and_mistyped_fields(self):
        self.assertError(self.lk.request("POST", "/api/v1/flows", {"kind": "reset"}), 400, "missing_field", "username")
        self.assertError(self.lk.request("POST", "/api/v1/flows", {"username": "alice"}), 400, "missing_field", "kind")
        self.assertError(self.lk.request("POST", "/api/v1/flows", {"kind": "reset", "username": 42}),
                         400, "invalid_field", "username")
        self.assertError(self.lk.request("POST", "/api/v1/flows", {"kind": "rest", "username": "alice"}),
                         400, "invalid_field", "kind")
        self.assertError(self.lk.request("POST", "/api/v1/flows", {"kind": "reset", "username": ""}),
                         400, "invalid_username", "username")
        self.assertError(self.lk.request("POST", "/api/v1/flows", {"kind": "reset", "username": "a b"}),
                         400, "invalid_username", "username")
        self.assertError(self.lk.request("POST", "/api/v1/flows", {"kind": "reset", "username": "x" * 2000}),
                         400, "invalid_field", "username")
        _, _, flow = self.lk.start_flow("alice")
        self.assertError(self.lk.request("POST", "/api/v1/flows/%s/verify" % flow["id"],
                                         {"method": flow["methods"][0]["id"], "code": 123456}),
                         400, "invalid_field", "code")
        self.assertError(self.lk.request("POST", "/api/v1/flows/%s/challenge" % flow["id"], {}),
                         400, "missing_field", "method")

    def test_oversized_body(self):
        big = json.dumps({"kind": "reset", "username": "alice", "pad": "x" * (70 * 1024)}).encode()
        status, headers, body = self.lk.request("POST", "/api/v1/flows", raw=big)
        self.assertEqual(status, 413)
        self.assertEqual(body["error"]["code"], "payload_too_large")
        # The server is still fine afterwards.
        self.assertEqual(self.lk.start_flow("alice")[0], 201)

    def test_deeply_nested_json_is_refused_cleanly(self):
        status, _, body = self.lk.request("POST", "/api/v1/flows", raw=b"[" * 30000 + b"]" * 30000)
        self.assertEqual(status, 400)
        self.assertEqual(self.lk.request("GET", "/healthz")[0], 200)

    def test_only_json_is_accepted(self):
        self.assertError(self.lk.request("POST", "/api/v1/flows", raw=b"kind=reset&username=alice",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"}),
                         415, "unsupported_media_type")
        self.assertError(self.lk.request("POST", "/api/v1/flows", raw=b'{"kind":"reset","username":"alice"}',
                                         headers={"Content-Type": "text/plain"}),
                         415, "unsupported_media_type")
        ok = self.lk.request("POST", "/api/v1/flows", raw=b'{"kind":"reset","username":"alice"}',
                             headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(ok[0], 201)

    def test_cross_site_requests_are_refused(self):
        self.assertError(self.lk.request("POST", "/api/v1/flows", {"kind": "reset", "username": "alice"},
                                         headers={"Origin": "https://evil.example"}),
                         403, "forbidden_origin")
        self.assertError(self.lk.request("POST", "/api/v1/flows", {"kind": "reset", "username": "alice"},
                                         headers={"Sec-Fetch-Site": "cross-site"}),
                         403, "forbidden_origin")
        same = self.lk.request("POST", "/api/v1/flows", {"kind": "reset", "username": "alice"},
                               headers={"Origin": self.lk.url})
        self.assertEqual(same[0], 201)

    def test_security_headers(self):
        for path in ("/", "/healthz", "/api/v1/flows/" + "A" * 43):
            _, headers, _ = self.lk.request("GET", path)
            self.assertIn("default-src 'self'", headers["content-security-policy"])
            self.assertIn("frame-ancestors 'none'", headers["content-security-policy"])
            self.assertEqual(headers["x-content-type-options"], "nosniff")
            self.assertEqual(headers["x-frame-options"], "DENY")
            self.assertEqual(headers["referrer-policy"], "no-referrer")
        _, headers, _ = self.lk.start_flow("alice")
        self.assertEqual(headers["cache-control"], "no-store")

    def test_unknown_routes_answer_json(self):
        self.assertError(self.lk.request("GET", "/api/v1/nothing"), 404, "not_found")
        self.assertError(self.lk.request("POST", "/api/v1/nothing", {}), 404, "not_found")

    def test_malformed_http_does_not_hurt(self):
        with socket.create_connection(("127.0.0.1", self.lk.port), timeout=5) as s:
            s.sendall(b"NONSENSE \x00\x01\x02 HTTP/9\r\n\r\n")
            s.recv(4096)
        self.assertEqual(self.lk.request("GET", "/healthz")[0], 200)


class DatabaseTroubleTest(LatchkeyTestCase):
    def test_a_locked_database_answers_503_and_loses_nothing(self):
        import os
        import sqlite3
        lk = self.latchkey({"store": {"busy_timeout_ms": 300}})
        self.add_user(lk, "alice", email="alice@example.net")
        _, _, flow = lk.start_flow("alice")
        db = sqlite3.connect(os.path.join(lk.dir, "var", "latchkey.db"), isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        try:
            status, _, body = lk.start_flow("alice")
            self.assertEqual((status, body["error"]["code"]), (503, "unavailable"))
            status, _, body = lk.challenge(flow)
            self.assertEqual((status, body["error"]["code"]), (503, "unavailable"))
        finally:
            db.execute("ROLLBACK")
            db.close()
        # The flow is exactly as it was, and works now.
        status, _, got = lk.request("GET", "/api/v1/flows/" + flow["id"])
        self.assertEqual((status, got["state"]), (200, "choose_method"))
        self.assertEqual(lk.challenge(flow)[0], 202)
        self.assertEqual(len(lk.outbox()), 1)


class RateLimitTest(LatchkeyTestCase):
    def test_flow_starts_are_limited_with_retry_after(self):
        lk = self.latchkey({"limits": {"flow_start_per_ip": "3/1m"}})
        for _ in range(3):
            self.assertEqual(lk.start_flow("someone")[0], 201)
        status, headers, body = lk.start_flow("someone-else")
        self.assertEqual(status, 429)
        self.assertEqual(body["error"]["code"], "rate_limited")
        self.assertGreater(int(headers["retry-after"]), 0)
        self.assertLessEqual(int(headers["retry-after"]), 60)

    def test_per_username_limit_treats_unknown_names_alike(self):
        lk = self.latchkey({"limits": {"flow_start_per_account": "2/15m"}})
        self.add_user(lk, "alice", email="alice@example.net")
        results = {}
        for name in ("alice", "ghost"):
            results[name] = [lk.start_flow(name)[0] for _ in range(3)]
        self.assertEqual(results["alice"], [201, 201, 429])
        self.assertEqual(results["ghost"], results["alice"])

    def test_forwarded_for_is_believed_only_from_trusted_proxies(self):
        lk = self.latchkey({"limits": {"flow_start_per_ip": "2/1m"},
                            "server": {"trusted_proxies": ["127.0.0.1/32"]}})
        # Behind the proxy, each client has its own bucket.
        for ip in ("198.51.100.1", "198.51.100.2"):
            for _ in range(2):
                self.assertEqual(lk.start_flow("x", {"X-Forwarded-For": ip})[0], 201)
        self.assertEqual(lk.start_flow("x", {"X-Forwarded-For": "198.51.100.1"})[0], 429)
        # A client cannot escape by prepending a forged hop: the rightmost untrusted hop counts.
        self.assertEqual(lk.start_flow("x", {"X-Forwarded-For": "203.0.113.9, 198.51.100.1"})[0], 429)

    def test_forwarded_for_is_ignored_without_trusted_proxies(self):
        lk = self.latchkey({"limits": {"flow_start_per_ip": "2/1m"}})
        for ip in ("198.51.100.1", "198.51.100.2"):
            lk.start_flow("x", {"X-Forwarded-For": ip})
        self.assertEqual(lk.start_flow("x", {"X-Forwarded-For": "198.51.100.3"})[0], 429)


if __name__ == "__main__":
    unittest.main()
