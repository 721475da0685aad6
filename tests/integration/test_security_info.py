"""Signing in and managing security info over HTTP, with the session cookie, a real
SMTP server for the codes, and the limits and lockouts a guesser meets."""
import json
import unittest

from lk import Browser, LatchkeyTestCase, code_in


class SecurityInfoTest(LatchkeyTestCase):
    def setUp(self):
        super().setUp()
        self.mail = self.smtp()
        self.lk = self.latchkey({"mail": {"smtp_url": "smtp://127.0.0.1:%d" % self.mail.port},
                                 "registration": {"email_forbidden_domains": ["example.ac.uk"]},
                                 "limits": {"code_send_per_destination": "off"}})
        self.add_user(self.lk, "alice", email="alice@example.net", password="the first password 1")

    def test_sign_in_sets_a_strict_cookie(self):
        b = Browser(self.lk)
        status, headers, body = b.sign_in("alice", "the first password 1")
        self.assertEqual(status, 201, body)
        self.assertEqual(body["state"], "active")
        cookie = b.last_set_cookie
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        self.assertIn("Secure", cookie)  # not dev mode
        self.assertIn("Path=/", cookie)
        self.assertNotIn(b.cookie, json.dumps(body))  # the token is never in a body
        status, _, me = b.call("GET", "/api/v1/me")
        self.assertEqual(status, 200)
        self.assertEqual(me["username"], "alice")
        self.assertTrue(me["registered"])
        self.assertEqual(me["methods"][0]["hint"], "al*****@e****.net")
        self.assertNotIn("alice@example.net", json.dumps(me))
        status, _, _ = b.call("DELETE", "/api/v1/session")
        self.assertEqual(status, 204)
        self.assertIn("Max-Age=0", b.last_set_cookie)
        b.cookie = None
        status, _, err = b.call("GET", "/api/v1/me")
        self.assertEqual((status, err["error"]["code"]), (401, "not_signed_in"))

    def test_wrong_and_unknown_get_the_same_answer(self):
        s1, _, e1 = Browser(self.lk).sign_in("alice", "not the password")
        s2, _, e2 = Browser(self.lk).sign_in("nobody-at-all", "not the password")
        self.assertEqual((s1, e1), (s2, e2))
        self.assertEqual(s1, 401)
        self.assertEqual(e1["error"]["code"], "invalid_credentials")

    def test_lockout_answers_429_with_retry_after(self):
        lk = self.latchkey({"lockout": {"threshold": 3}})
        self.add_user(lk, "bob", password="bobs password 123")
        for i in range(3):
            self.assertEqual(Browser(lk).sign_in("bob", "guess %d" % i)[0], 401)
        status, headers, err = Browser(lk).sign_in("bob", "bobs password 123")
        self.assertEqual((status, err["error"]["code"]), (429, "account_locked"))
        self.assertGreater(int(headers["retry-after"]), 0)
        # A reset is still open to the owner: the lockout does not block it.
        self.assertEqual(lk.start_flow("bob")[0], 201)

    def test_register_an_email_with_its_code(self):
        b = Browser(self.lk)
        b.sign_in("alice", "the first password 1")
        status, _, m = b.call("POST", "/api/v1/me/methods", {"kind": "email", "address": "alice.home@example.org"})
        self.assertEqual(status, 201, m)
        self.assertEqual(m["state"], "pending")
        self.assertEqual(m["hint"], "al*****@e****.org")
        mail = self.mail.wait_for_message("alice.home@example.org")[0]
        self.assertIn("confirm this address", mail["content"])
        status, _, err = b.call("POST", "/api/v1/me/methods/%s/verify" % m["id"], {"code": "000000"})
        self.assertEqual(status, 400)
        status, _, done = b.call("POST", "/api/v1/me/methods/%s/verify" % m["id"], {"code": code_in(mail)})
        self.assertEqual((status, done["state"]), (200, "active"))
        # The already registered address is told.
        told = self.mail.wait_for_message("alice@example.net")[0]
        self.assertIn("security info added", told["content"])
        _, _, listed = b.call("GET", "/api/v1/me/methods")
        self.assertEqual(sorted(x["state"] for x in listed["methods"]), ["active", "active"])
        # The new address works as a reset gate.
        _, _, flow = self.lk.start_flow("alice")
        self.assertEqual(len(flow["methods"]), 2)

    def test_registration_errors(self):
        b = Browser(self.lk)
        b.sign_in("alice", "the first password 1")
        status, _, err = b.call("POST", "/api/v1/me/methods", {"kind": "email", "address": "a@students.example.ac.uk"})
        self.assertEqual((status, err["error"]["code"], err["error"]["field"]), (400, "forbidden_email_domain", "address"))
        status, _, err = b.call("POST", "/api/v1/me/methods", {"kind": "teleport"})
        self.assertEqual((status, err["error"]["code"]), (400, "invalid_field"))
        status, _, err = b.call("POST", "/api/v1/me/methods", {"kind": "email"})
        self.assertEqual((status, err["error"]["field"]), (400, "address"))
        status, _, err = b.call("POST", "/api/v1/me/methods/m_nope/verify", {"code": "1"})
        self.assertEqual((status, err["error"]["code"]), (404, "method_not_found"))
        status, _, err = b.call("DELETE", "/api/v1/me/methods/m_nope")
        self.assertEqual(status, 404)
        # Without a session nothing is possible.
        status, _, err = Browser(self.lk).call("POST", "/api/v1/me/methods", {"kind": "email", "address": "x@example.org"})
        self.assertEqual(status, 401)

    def test_remove_a_method(self):
        b = Browser(self.lk)
        b.sign_in("alice", "the first password 1")
        _, _, me = b.call("GET", "/api/v1/me")
        status, _, _ = b.call("DELETE", "/api/v1/me/methods/" + me["methods"][0]["id"])
        self.assertEqual(status, 204)
        told = self.mail.wait_for_message("alice@example.net")[0]
        self.assertIn("security info removed", told["content"])
        _, _, me = b.call("GET", "/api/v1/me")
        self.assertFalse(me["registered"])

    def test_change_password_ends_other_sessions(self):
        laptop, phone = Browser(self.lk), Browser(self.lk)
        laptop.sign_in("alice", "the first password 1")
        phone.sign_in("alice", "the first password 1")
        status, _, err = laptop.call("POST", "/api/v1/me/password",
                                     {"current_password": "wrong", "new_password": "a second long password"})
        self.assertEqual((status, err["error"]["code"]), (401, "wrong_current_password"))
        status, _, err = laptop.call("POST", "/api/v1/me/password",
                                     {"current_password": "the first password 1", "new_password": "short"})
        self.assertEqual((status, err["error"]["code"]), (422, "password_rejected"))
        status, _, ok = laptop.call("POST", "/api/v1/me/password",
                                    {"current_password": "the first password 1",
                                     "new_password": "a second long password"})
        self.assertEqual((status, ok), (200, {"changed": True}))
        self.assertEqual(laptop.call("GET", "/api/v1/me")[0], 200)
        self.assertEqual(phone.call("GET", "/api/v1/me")[0], 401)
        self.assertIn("your password was changed", self.mail.wait_for_message("alice@example.net")[0]["content"])
        self.assertEqual(Browser(self.lk).sign_in("alice", "a second long password")[0], 201)
        self.assertEqual(Browser(self.lk).sign_in("alice", "the first password 1")[0], 401)
        self.assertNotIn("a second long password", self.lk.stderr())

    def test_reauthentication(self):
        b = Browser(self.lk)
        b.sign_in("alice", "the first password 1")
        status, _, err = b.call("POST", "/api/v1/session/reauth", {"password": "wrong"})
        self.assertEqual((status, err["error"]["code"]), (401, "invalid_credentials"))
        status, _, s = b.call("POST", "/api/v1/session/reauth", {"password": "the first password 1"})
        self.assertEqual((status, s["fresh"]), (200, True))

    def test_second_factor_is_not_asked_without_a_strong_method(self):
        b = Browser(self.lk)
        status, _, s = b.sign_in("alice", "the first password 1")
        self.assertEqual(s["methods"], [])
        status, _, err = b.call("POST", "/api/v1/session/verify", {"method": "x", "code": "123456"})
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))

    def test_cross_site_sign_in_is_refused(self):
        status, _, err = self.lk.request("POST", "/api/v1/session", {"username": "alice", "password": "the first password 1"},
                                         headers={"Origin": "https://phish.example"})
        self.assertEqual((status, err["error"]["code"]), (403, "forbidden_origin"))

    def test_bad_input(self):
        status, _, err = self.lk.request("POST", "/api/v1/session", {"username": "alice"})
        self.assertEqual((status, err["error"]["field"]), (400, "password"))
        status, _, err = self.lk.request("POST", "/api/v1/session", raw=b"{nope")
        self.assertEqual((status, err["error"]["code"]), (400, "invalid_json"))
        status, _, err = self.lk.request("GET", "/api/v1/me", headers={"Cookie": "latchkey_session=forged-token-value-xxxxxxxxxxxxx"})
        self.assertEqual(status, 401)


if __name__ == "__main__":
    unittest.main()
