"""The reset flow over HTTP with a real SMTP server: the user reads the code from
the mail that was actually delivered, as a person would."""
import json
import unittest

from lk import LatchkeyTestCase, code_in


class ResetFlowTest(LatchkeyTestCase):
    def setUp(self):
        super().setUp()
        self.mail = self.smtp()
        self.lk = self.latchkey({"mail": {"smtp_url": "smtp://127.0.0.1:%d" % self.mail.port,
                                          "from": "IT Service Desk <no-reply@example.ac.uk>"},
                                 "branding": {"organisation_name": "Example University",
                                              "helpdesk_contact": "020 7946 0000"}})
        self.add_user(self.lk, "alice", email="alice.personal@example.net",
                      password="the first password 1")

    def test_reset_end_to_end(self):
        status, _, flow = self.lk.start_flow("Alice")
        self.assertEqual(status, 201, flow)
        self.assertEqual(flow["state"], "choose_method")
        self.assertEqual(flow["kind"], "reset")
        self.assertEqual(flow["gates_required"], 1)
        self.assertEqual(flow["gates_passed"], 0)
        self.assertEqual(len(flow["methods"]), 1)
        self.assertEqual(flow["methods"][0]["kind"], "email")
        self.assertEqual(flow["methods"][0]["hint"], "al*****@e****.net")
        self.assertRegex(flow["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

        status, _, flow = self.lk.challenge(flow)
        self.assertEqual(status, 202, flow)
        self.assertEqual(flow["state"], "verify")
        mail = self.mail.wait_for_message("alice.personal@example.net")[0]
        self.assertEqual(mail["mail_from"], "no-reply@example.ac.uk")
        self.assertIn("Subject: Example University: your verification code", mail["content"])
        code = code_in(mail)

        status, _, flow = self.lk.verify(flow, code)
        self.assertEqual(status, 200, flow)
        self.assertEqual(flow["state"], "set_password")
        self.assertEqual(flow["gates_passed"], 1)

        status, _, flow = self.lk.complete(flow, "a new and longer passphrase")
        self.assertEqual(status, 200, flow)
        self.assertEqual(flow["state"], "done")

        # The user is told, at the registered address.
        mails = self.mail.wait_for_message("alice.personal@example.net", count=2)
        self.assertIn("your password was changed", mails[1]["content"])
        self.assertIn("020 7946 0000", mails[1]["content"])
        rc, out, _ = self.lk.cli("user", "show", "alice", "--json")
        self.assertEqual(rc, 0)
        shown = json.loads(out)
        self.assertNotEqual(shown["password_changed_at"], "-")
        self.assertEqual(shown["methods"][0]["hint"], "al*****@e****.net")
        # The code reached the mailbox and nowhere else: not the server's log.
        self.assertNotIn(code, self.lk.stderr())
        self.assertNotIn("a new and longer passphrase", self.lk.stderr())
        self.assertNotIn(flow["id"], self.lk.stderr())

    def test_unknown_user_is_indistinguishable(self):
        s1, h1, real = self.lk.start_flow("alice")
        s2, h2, fake = self.lk.start_flow("nobody-here")
        self.assertEqual(s1, s2)
        self.assertEqual(sorted(real.keys()), sorted(fake.keys()))
        self.assertEqual(sorted(real["methods"][0].keys()), sorted(fake["methods"][0].keys()))
        self.assertEqual(real["methods"][0]["kind"], fake["methods"][0]["kind"])
        self.assertRegex(fake["methods"][0]["hint"], r"^[a-z]{2}\*{5}@[a-z]\*{4}\.[a-z.]+$")
        self.assertEqual(sorted(h1.keys()), sorted(h2.keys()))
        # Asking again gives the same decoy, so two requests do not give it away.
        _, _, again = self.lk.start_flow("NOBODY-HERE")
        self.assertEqual(again["methods"][0]["hint"], fake["methods"][0]["hint"])
        s1, _, r1 = self.lk.challenge(real)
        s2, _, r2 = self.lk.challenge(fake)
        self.assertEqual((s1, r1["state"]), (s2, r2["state"]))
        s1, _, e1 = self.lk.verify(real, "000000")
        s2, _, e2 = self.lk.verify(fake, "000000")
        self.assertEqual(s1, s2)
        self.assertEqual(e1["error"]["code"], e2["error"]["code"])
        self.assertEqual(e1["error"]["message"], e2["error"]["message"])
        # Only the real user got mail.
        self.mail.wait_for_message("alice.personal@example.net")
        recipients = [r for m in self.mail.messages() for r in m["rcpt_tos"]]
        self.assertEqual(recipients, ["alice.personal@example.net"])

    def test_five_wrong_codes_block_the_flow(self):
        _, _, flow = self.lk.start_flow("alice")
        self.lk.challenge(flow)
        code = code_in(self.mail.wait_for_message("alice.personal@example.net")[0])
        wrong = "111111" if code != "111111" else "222222"
        for left in (4, 3, 2, 1):
            status, _, err = self.lk.verify(flow, wrong)
            self.assertEqual(status, 400)
            self.assertEqual(err["error"]["code"], "wrong_code")
            self.assertIn("%d attempt" % left, err["error"]["message"])
        status, _, err = self.lk.verify(flow, wrong)
        self.assertEqual((status, err["error"]["code"]), (403, "flow_blocked"))
        status, _, err = self.lk.verify(flow, code)
        self.assertEqual((status, err["error"]["code"]), (403, "flow_blocked"))
        status, _, got = self.lk.request("GET", "/api/v1/flows/" + flow["id"])
        self.assertEqual((status, got["state"]), (200, "blocked"))

    def test_replayed_and_out_of_order_calls(self):
        _, _, flow = self.lk.start_flow("alice")
        status, _, err = self.lk.verify(flow, "123456")
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))
        status, _, err = self.lk.complete(flow, "a new and longer passphrase")
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))
        self.lk.challenge(flow)
        code = code_in(self.mail.wait_for_message("alice.personal@example.net")[0])
        self.assertEqual(self.lk.verify(flow, code)[0], 200)
        status, _, err = self.lk.verify(flow, code)  # the same code again
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))
        self.assertEqual(self.lk.complete(flow, "a new and longer passphrase")[0], 200)
        status, _, err = self.lk.complete(flow, "yet another passphrase")
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))

    def test_unknown_and_malformed_flow_ids(self):
        status, headers, err = self.lk.request("GET", "/api/v1/flows/" + "A" * 43)
        self.assertEqual((status, err["error"]["code"]), (404, "flow_not_found"))
        self.assertEqual(headers["content-type"], "application/json")
        status, _, err = self.lk.request("GET", "/api/v1/flows/short")
        self.assertEqual(status, 404)
        status, _, err = self.lk.request("POST", "/api/v1/flows/%s/challenge" % ("B" * 43), {"method": "x"})
        self.assertEqual((status, err["error"]["code"]), (404, "flow_not_found"))

    def test_unknown_method_id(self):
        _, _, flow = self.lk.start_flow("alice")
        status, _, err = self.lk.challenge(flow, method="not-an-offered-method")
        self.assertEqual((status, err["error"]["code"], err["error"]["field"]),
                         (400, "unknown_method", "method"))

    def test_password_policy_rejection_lets_the_user_try_again(self):
        _, _, flow = self.lk.start_flow("alice")
        self.lk.challenge(flow)
        code = code_in(self.mail.wait_for_message("alice.personal@example.net")[0])
        self.lk.verify(flow, code)
        status, _, err = self.lk.complete(flow, "short")
        self.assertEqual(status, 422)
        self.assertEqual(err["error"]["code"], "password_rejected")
        self.assertEqual(err["error"]["field"], "new_password")
        self.assertEqual(err["error"]["violations"][0]["rule"], "min_length")
        status, _, flow2 = self.lk.request("GET", "/api/v1/flows/" + flow["id"])
        self.assertEqual(flow2["state"], "set_password")
        self.assertEqual(self.lk.complete(flow, "x" * 257)[0], 422)
        self.assertEqual(self.lk.complete(flow, "long enough now, finally")[0], 200)

    def test_a_restart_mid_flow_loses_nothing(self):
        _, _, flow = self.lk.start_flow("alice")
        self.lk.challenge(flow)
        code = code_in(self.mail.wait_for_message("alice.personal@example.net")[0])
        self.lk.stop()
        self.lk.start()
        status, _, got = self.lk.request("GET", "/api/v1/flows/" + flow["id"])
        self.assertEqual((status, got["state"]), (200, "verify"))
        self.assertEqual(self.lk.verify(flow, code)[0], 200)
        self.assertEqual(self.lk.complete(flow, "a new and longer passphrase")[0], 200)


if __name__ == "__main__":
    unittest.main()
