"""The proof-of-work CAPTCHA on flow start (ALTCHA protocol), solved here the way
the browser widget solves it: fetch a challenge, try numbers until SHA-256(salt ‖ n)
matches, send the base64 JSON payload."""
import base64
import hashlib
import json
import unittest

from lk import LatchkeyTestCase


def solve(challenge):
    for n in range(challenge["maxnumber"] + 1):
        if hashlib.sha256((challenge["salt"] + str(n)).encode()).hexdigest() == challenge["challenge"]:
            return n
    raise AssertionError("no solution below maxnumber")


def payload(challenge, number):
    body = {"algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
            "number": number, "salt": challenge["salt"], "signature": challenge["signature"]}
    return base64.b64encode(json.dumps(body).encode()).decode()


class CaptchaTest(LatchkeyTestCase):
    def setUp(self):
        super().setUp()
        self.lk = self.latchkey({"captcha": {"enabled": True, "max_number": 5000}})
        self.add_user(self.lk, "alice", email="alice@example.net", password="the first password 1")

    def start(self, captcha=None, username="alice"):
        body = {"kind": "reset", "username": username}
        if captcha is not None:
            body["captcha"] = captcha
        return self.lk.request("POST", "/api/v1/flows", body)

    def fresh(self):
        status, headers, challenge = self.lk.request("GET", "/api/v1/captcha")
        self.assertEqual(status, 200, challenge)
        self.assertEqual(headers.get("cache-control"), "no-store")
        return challenge

    def test_challenge_shape_solved_and_used_once(self):
        challenge = self.fresh()
        self.assertEqual(challenge["algorithm"], "SHA-256")
        self.assertEqual(challenge["maxnumber"], 5000)
        self.assertIn("?expires=", challenge["salt"])
        self.assertRegex(challenge["signature"], r"^[0-9a-f]{64}$")
        self.assertNotEqual(self.fresh()["challenge"], challenge["challenge"])

        solution = payload(challenge, solve(challenge))
        status, _, flow = self.start(solution)
        self.assertEqual(status, 201, flow)
        self.assertEqual(flow["state"], "choose_method")
        # The same solution again: refused, and it says why.
        status, _, err = self.start(solution)
        self.assertEqual(status, 400, err)
        self.assertEqual(err["error"]["code"], "captcha_replayed")

    def test_missing_wrong_and_forged_solutions_are_refused(self):
        status, _, err = self.start()
        self.assertEqual(status, 400, err)
        self.assertEqual(err["error"]["code"], "captcha_missing")
        self.assertEqual(err["error"]["field"], "captcha")

        challenge = self.fresh()
        number = solve(challenge)
        for bad in (payload(challenge, number + 1),                      # wrong number
                    payload(dict(challenge, signature="0" * 64), number),  # forged signature
                    payload(dict(challenge, salt=challenge["salt"] + "0"), number),  # changed salt
                    "not base64 at all!",
                    base64.b64encode(b"[1,2,3]").decode(),
                    base64.b64encode(b"{\"algorithm\":\"SHA-1\"}").decode()):
            status, _, err = self.start(bad)
            self.assertEqual(status, 400, (bad, err))
            self.assertEqual(err["error"]["code"], "captcha_invalid", bad)
        # None of that spent the real solution.
        status, _, flow = self.start(payload(challenge, number))
        self.assertEqual(status, 201, flow)

    def test_unknown_users_get_the_same_answers(self):
        status, _, err = self.start(username="nobody-here")
        self.assertEqual((status, err["error"]["code"]), (400, "captcha_missing"))
        challenge = self.fresh()
        status, _, flow = self.start(payload(challenge, solve(challenge)), username="nobody-here")
        self.assertEqual(status, 201, flow)
        self.assertEqual(len(flow["methods"]), 1)


class CaptchaSettingsTest(LatchkeyTestCase):
    def test_trusted_networks_skip_it(self):
        lk = self.latchkey({"captcha": {"enabled": True}, "network": {"trusted": ["127.0.0.0/8"]}})
        self.add_user(lk, "alice", email="alice@example.net", password="the first password 1")
        status, _, flow = lk.start_flow("alice")
        self.assertEqual(status, 201, flow)

    def test_trusted_networks_can_be_asked_too(self):
        lk = self.latchkey({"captcha": {"enabled": True, "skip_trusted": False},
                            "network": {"trusted": ["127.0.0.0/8"]}})
        status, _, err = lk.start_flow("alice")
        self.assertEqual((status, err["error"]["code"]), (400, "captcha_missing"))

    def test_off_means_no_challenge_and_none_needed(self):
        lk = self.latchkey({"captcha": {"enabled": False}})
        status, _, err = lk.request("GET", "/api/v1/captcha")
        self.assertEqual(status, 404, err)
        self.assertEqual(err["error"]["code"], "captcha_off")
        self.assertEqual(lk.start_flow("alice")[0], 201)

    def test_config_check_names_a_bad_difficulty(self):
        lk = self.latchkey({"captcha": {"max_number": 10}}, start=False)
        rc, out, err = lk.cli("config", "check")
        self.assertNotEqual(rc, 0)
        self.assertIn("captcha.max_number", out + err)


if __name__ == "__main__":
    unittest.main()
