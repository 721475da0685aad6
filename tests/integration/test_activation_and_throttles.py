"""Activation of new accounts with a one-time code (printed by the CLI, or mailed
through the real SMTP server), and Entra's throttles seen over HTTP."""
import email
import re
import unittest

from lk import Browser, LatchkeyTestCase, code_in

CODE = re.compile(r"\b([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})\b")


class ActivationTest(LatchkeyTestCase):
    def setUp(self):
        super().setUp()
        self.mail = self.smtp()
        self.lk = self.latchkey({"mail": {"smtp_url": "smtp://127.0.0.1:%d" % self.mail.port,
                                          "from": "IT <no-reply@example.ac.uk>"},
                                 "branding": {"organisation_name": "Example University"}})

    def activate(self, username, code, **extra):
        return self.lk.request("POST", "/api/v1/flows",
                               dict({"kind": "activate", "username": username, "activation_code": code}, **extra))

    def test_printed_code_activates_once(self):
        rc, out, err = self.lk.cli("user", "add", "newbie", "--activation", "--display-name", "New Bie")
        self.assertEqual(rc, 0, err)
        self.assertIn("waiting for activation", out)
        code = CODE.search(out).group(1)
        self.assertRegex(out, r"valid once, until \d{4}-\d\d-\d\dT")
        # Not usable before activation: sign-in refused, reset a look-alike.
        status, _, _ = Browser(self.lk).sign_in("newbie", "anything at all 1")
        self.assertEqual(status, 401)

        status, _, err_body = self.activate("newbie", "2222-3333-4444-5555")
        self.assertEqual(status, 400, err_body)
        self.assertEqual(err_body["error"]["code"], "activation_invalid")
        status, _, other = self.activate("nobody-at-all", code)
        self.assertEqual((status, other["error"]["message"]), (400, err_body["error"]["message"]))

        status, _, flow = self.activate("NewBie", code.lower().replace("-", " "))
        self.assertEqual(status, 201, flow)
        self.assertEqual(flow["kind"], "activate")
        self.assertEqual(flow["state"], "set_password")
        self.assertEqual(flow["methods"], [])
        # The code is spent.
        self.assertEqual(self.activate("newbie", code)[2]["error"]["code"], "activation_invalid")
        # The password goes through the policy like any other.
        status, _, refused = self.lk.complete(flow, "short")
        self.assertEqual(status, 422, refused)
        status, _, done = self.lk.complete(flow, "my first real passphrase")
        self.assertEqual((status, done["state"]), (200, "done"), done)
        status, _, session = Browser(self.lk).sign_in("newbie", "my first real passphrase")
        self.assertEqual(status, 201, session)
        rc, out, err = self.lk.cli("user", "activation", "newbie")
        self.assertNotEqual(rc, 0)
        self.assertIn("not waiting for activation", err)

    def test_code_mailed_to_the_personal_address_and_reissued(self):
        rc, out, err = self.lk.cli("user", "add", "fresh", "--activation", "--send",
                                   "--email", "fresh.personal@example.net")
        self.assertEqual(rc, 0, err)
        self.assertNotRegex(out, CODE)  # mailed, not printed
        self.assertIn("sent to fr", out)
        msg = self.mail.wait_for_message("fresh.personal@example.net")[0]
        body = email.message_from_string(msg["content"]).get_payload(decode=True).decode()
        self.assertIn("Example University: activate your account", msg["content"])
        first = CODE.search(body).group(1)
        self.assertIn(self.lk.url, body)
        # A new code voids the mailed one.
        rc, out, err = self.lk.cli("user", "activation", "fresh")
        self.assertEqual(rc, 0, err)
        second = CODE.search(out).group(1)
        self.assertEqual(self.activate("fresh", first)[2]["error"]["code"], "activation_invalid")
        status, _, flow = self.activate("fresh", second)
        self.assertEqual(status, 201, flow)

    def test_bad_command_lines(self):
        rc, _, err = self.lk.cli("user", "add", "x1", "--activation", "--password-stdin", input="pw\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("exclude each other", err)
        rc, _, err = self.lk.cli("user", "add", "x2", "--send")
        self.assertNotEqual(rc, 0)
        rc, _, err = self.lk.cli("user", "activation", "nobody")
        self.assertNotEqual(rc, 0)
        status, _, e = self.lk.request("POST", "/api/v1/flows", {"kind": "activate", "username": "x"})
        self.assertEqual((status, e["error"]["code"]), (400, "missing_field"))
        status, _, e = self.activate("x", ["not", "a", "string"])
        self.assertEqual(status, 400, e)


class ThrottleTest(LatchkeyTestCase):
    def test_wrong_codes_block_the_person_until_the_time_shown(self):
        mail = self.smtp()
        lk = self.latchkey({"mail": {"smtp_url": "smtp://127.0.0.1:%d" % mail.port},
                            "flows": {"max_failures": 2},
                            "throttle": {"failed_flows": "2/24h", "block_hours": 24},
                            "branding": {"helpdesk_contact": "020 7946 0000"}})
        self.add_user(lk, "pat", email="pat@example.net", password="the first password 1")
        for round_ in range(2):
            status, _, flow = lk.start_flow("pat")
            self.assertEqual(status, 201, flow)
            lk.challenge(flow)
            statuses = [lk.verify(flow, "000000")[0] for _ in range(2)]
            self.assertEqual(statuses[0], 400)
        self.assertEqual(statuses[-1], 429)  # the second failed flow started the block
        status, headers, err = lk.start_flow("pat")
        self.assertEqual(status, 429, err)
        self.assertEqual(err["error"]["code"], "throttled")
        self.assertGreater(int(headers["retry-after"]), 23 * 3600)
        self.assertEqual(err["error"]["retry_after"], int(headers["retry-after"]))
        self.assertIn("020 7946 0000", err["error"]["message"])
        self.assertRegex(err["error"]["message"], r"until \d{4}-\d\d-\d\d")
        # Other people are not blocked, and the block survives a restart.
        self.assertEqual(lk.start_flow("someone-else")[0], 201)
        lk.stop()
        lk.start()
        self.assertEqual(lk.start_flow("pat")[0], 429)

    def test_config_rejects_a_bad_rate(self):
        lk = self.latchkey({"throttle": {"emails": "ten a minute"}}, start=False)
        rc, out, err = lk.cli("config", "check")
        self.assertNotEqual(rc, 0)
        self.assertIn("throttle.emails", out + err)


if __name__ == "__main__":
    unittest.main()
