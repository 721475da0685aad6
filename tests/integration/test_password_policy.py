"""The password policy engine through every interface: the HTTP check, the CLI
check, the reset flow, the breached-password filter and the configuration."""
import hashlib
import json
import os
import subprocess
import unittest

from lk import BIN, LatchkeyTestCase


def pwned_line(password, count=1):
    return "%s:%d\n" % (hashlib.sha1(password.encode()).hexdigest().upper(), count)


class PasswordCheckApiTest(LatchkeyTestCase):
    def setUp(self):
        super().setUp()
        self.lk = self.latchkey({"password": {"banned_terms": ["contoso", "blank"]},
                                 "branding": {"organisation_name": "Example University"}})

    def check(self, password, username=None, **kw):
        body = {"password": password}
        if username is not None:
            body["username"] = username
        return self.lk.request("POST", "/api/v1/password/check", body, **kw)

    def test_accepted_and_rejected_answers(self):
        status, _, good = self.check("velvet tractor lantern orbit")
        self.assertEqual(status, 200)
        self.assertEqual(good, {"accepted": True, "violations": [], "strength": good["strength"]})
        self.assertGreaterEqual(good["strength"], 3)
        status, _, bad = self.check("password")
        self.assertEqual(status, 200)
        self.assertFalse(bad["accepted"])
        rules = [v["rule"] for v in bad["violations"]]
        self.assertIn("min_length", rules)
        self.assertIn("too_guessable", rules)
        for v in bad["violations"]:
            self.assertTrue(v["message"])
        self.assertLessEqual(bad["strength"], 1)

    def test_the_documented_entra_examples(self):
        _, _, rejected = self.check("C0ntos0Blank12")
        self.assertIn("banned_by_admin", [v["rule"] for v in rejected["violations"]])
        _, _, accepted = self.check("ContoS0Bl@nkf9!")
        rules = [v["rule"] for v in accepted["violations"]]
        self.assertNotIn("banned_by_admin", rules)
        self.assertNotIn("banned_password", rules)

    def test_the_username_and_organisation_count(self):
        _, _, r = self.check("jsmith-rocks-2026", username="jsmith")
        self.assertIn("context_username", [v["rule"] for v in r["violations"]])
        _, _, r = self.check("ExampleUniversity99", username="x")
        self.assertIn("banned_name", [v["rule"] for v in r["violations"]])

    def test_an_unknown_and_a_real_username_get_the_same_answer(self):
        self.add_user(self.lk, "jsmith", email="jane@example.net")
        rc, _, _ = self.lk.cli("user", "add", "jdoe")
        _, _, real = self.check("Jane Smith 2026 rocks", username="jsmith")
        _, _, fake = self.check("Jane Smith 2026 rocks", username="nosuchuser")
        self.assertEqual(real, fake)

    def test_bad_input(self):
        status, _, err = self.lk.request("POST", "/api/v1/password/check", {})
        self.assertEqual((status, err["error"]["code"], err["error"]["field"]), (400, "missing_field", "password"))
        status, _, err = self.lk.request("POST", "/api/v1/password/check", {"password": 123})
        self.assertEqual((status, err["error"]["code"]), (400, "invalid_field"))
        status, _, err = self.check("x" * 5000)
        self.assertEqual((status, err["error"]["code"]), (400, "invalid_field"))
        _, _, long_ok = self.check("x" * 300)
        self.assertIn("max_length", [v["rule"] for v in long_ok["violations"]])

    def test_the_password_never_reaches_the_log(self):
        self.check("a very particular secret 8877")
        self.assertNotIn("particular secret", self.lk.stderr())

    def test_policy_description(self):
        status, _, policy = self.lk.request("GET", "/api/v1/password/policy")
        self.assertEqual(status, 200)
        self.assertEqual(policy["min_length"], 12)
        self.assertEqual(policy["max_length"], 256)
        self.assertTrue(any("12 to 256" in r for r in policy["rules"]))

    def test_checks_are_rate_limited(self):
        lk = self.latchkey({"limits": {"password_check_per_ip": "3/1m"}})
        codes = [lk.request("POST", "/api/v1/password/check", {"password": "x"})[0] for _ in range(4)]
        self.assertEqual(codes, [200, 200, 200, 429])


class PolicyInFlowsTest(LatchkeyTestCase):
    def reset(self, lk, user, password):
        _, _, flow = lk.start_flow(user)
        lk.challenge(flow)
        code = lk.outbox(to=user + "@example.net")[0]["body"].split("code is: ")[1][:6]
        self.assertEqual(lk.verify(flow, code)[0], 200)
        return lk.complete(flow, password)

    def test_breached_passwords_are_refused_in_a_reset(self):
        corpus = os.path.join(self.tmp, "pwned.txt")
        with open(corpus, "w") as f:
            f.write(pwned_line("correct horse battery staple", 3861) + pwned_line("password", 9659365))
        filt = os.path.join(self.tmp, "breach.filter")
        p = subprocess.run([BIN, "breach", "import", corpus, "--output", filt], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("entries: 2", p.stdout)
        lk = self.latchkey({"password": {"breach_filter": filt}, "limits": {"code_send_per_destination": "off"}})
        self.add_user(lk, "alice", email="alice@example.net")
        status, _, err = self.reset(lk, "alice", "correct horse battery staple")
        self.assertEqual(status, 422)
        self.assertIn("breached", [v["rule"] for v in err["error"]["violations"]])
        self.assertIn("data breach", err["error"]["message"])
        status, _, check = lk.request("POST", "/api/v1/password/check", {"password": "correct horse battery staple"})
        self.assertIn("breached", [v["rule"] for v in check["violations"]])

    def test_reusing_a_recent_password_is_refused(self):
        lk = self.latchkey({"limits": {"code_send_per_destination": "off", "flow_start_per_account": "off"}})
        self.add_user(lk, "alice", email="alice@example.net", password="lantern quiver bison one")
        self.assertEqual(self.reset(lk, "alice", "lantern quiver bison two")[0], 200)
        self.assertEqual(self.reset(lk, "alice", "lantern quiver bison three")[0], 200)
        status, _, err = self.reset(lk, "alice", "lantern quiver bison one")
        self.assertEqual(status, 422)
        self.assertEqual([v["rule"] for v in err["error"]["violations"]], ["history"])
        # The CLI check on behalf of the account sees the same history.
        rc, out, _ = lk.cli("password", "check", "--user", "alice", input="lantern quiver bison two\n")
        self.assertEqual(rc, 1)
        self.assertIn("history:", out)

    def test_the_qmul_preset(self):
        lk = self.latchkey({"password": {"preset": "qmul"}, "limits": {"code_send_per_destination": "off"}})
        self.add_user(lk, "alice", email="alice@example.net")
        status, _, err = self.reset(lk, "alice", "lantern quiver bison!")
        self.assertEqual(status, 422)
        rules = [v["rule"] for v in err["error"]["violations"]]
        self.assertIn("required_upper", rules)
        self.assertIn("forbidden_symbol", rules)
        self.assertIn("max_length", rules)


class PasswordCliTest(LatchkeyTestCase):
    def run_check(self, password, *args, env=None):
        e = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        e.update(env or {})
        return subprocess.run([BIN, "password", "check", *args], input=password + "\n", capture_output=True,
                              text=True, env=e, cwd=self.tmp)

    def test_exit_codes_and_one_line_per_rule(self):
        good = self.run_check("velvet tractor lantern orbit")
        self.assertEqual(good.returncode, 0)
        self.assertIn("accepted", good.stdout)
        bad = self.run_check("passw0rd")
        self.assertEqual(bad.returncode, 1)
        lines = bad.stdout.strip().splitlines()
        self.assertGreaterEqual(len(lines), 2)
        self.assertTrue(all(": " in line for line in lines))
        self.assertTrue(lines[0].startswith("min_length: "))

    def test_the_configuration_applies(self):
        r = self.run_check("velvettractor", env={"LATCHKEY_PASSWORD_PRESET": "entra"})
        self.assertIn("min_classes:", r.stdout)
        r = self.run_check("velvet tractor", env={"LATCHKEY_PASSWORD_MIN_LENGTH": "20"})
        self.assertIn("at least 20", r.stdout)

    def test_an_unknown_user_is_an_error(self):
        lk = self.latchkey(start=False)
        self.assertEqual(lk.cli("migrate")[0], 0)
        rc, _, err = lk.cli("password", "check", "--user", "ghost", input="whatever it is\n")
        self.assertEqual(rc, 1)
        self.assertIn("ghost", err)

    def test_config_check_reports_policy_problems(self):
        path = os.path.join(self.tmp, "c.toml")
        with open(path, "w") as f:
            f.write('[password]\npreset = "qmul"\nbreach_filter = "/nonexistent/breach.filter"\n')
        env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        p = subprocess.run([BIN, "--config", path, "config", "check"], capture_output=True, text=True,
                           cwd=self.tmp, env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("error: password.breach_filter", p.stdout)
        self.assertIn("warning: password: composition rules", p.stdout)
        with open(path, "w") as f:
            f.write('[password]\nrequire_classes = ["emoji"]\n')
        p = subprocess.run([BIN, "--config", path, "config", "check"], capture_output=True, text=True,
                           cwd=self.tmp, env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("error: password.require_classes", p.stdout)

    def test_serve_refuses_a_corrupt_filter(self):
        junk = os.path.join(self.tmp, "junk.filter")
        with open(junk, "wb") as f:
            f.write(b"LKBREACH" + b"\0" * 300)
        lk = self.latchkey({"password": {"breach_filter": junk}}, start=False)
        lk.start(wait=False)
        self.assertEqual(lk.proc.wait(30), 1)
        self.assertIn("junk.filter", lk.stderr())


class BreachImportTest(LatchkeyTestCase):
    def test_import_reports_and_rejects_malformed_lines(self):
        corpus = os.path.join(self.tmp, "p.txt")
        with open(corpus, "w") as f:
            f.write(pwned_line("a") + "not-a-hash:3\n")
        p = subprocess.run([BIN, "breach", "import", corpus, "--output", os.path.join(self.tmp, "o.filter")],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("line 2", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "o.filter")))

    def test_gzip_input(self):
        import gzip
        corpus = os.path.join(self.tmp, "p.txt.gz")
        with gzip.open(corpus, "wt") as f:
            for i in range(1000):
                f.write(pwned_line("pw%d" % i, i + 1))
        out = os.path.join(self.tmp, "g.filter")
        p = subprocess.run([BIN, "breach", "import", corpus, "--output", out], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("entries: 1000", p.stdout)
        self.assertIn("bytes per entry:", p.stdout)


if __name__ == "__main__":
    unittest.main()
