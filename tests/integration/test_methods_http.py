"""The verification methods end to end over HTTP, against the real binary: an
authenticator app whose codes come from Debian's oathtool, recovery codes, security
questions, the rules that choose a reset's gates, and the unlock flow. Codes sent by
mail are read from the mail a real SMTP server received."""
import os
import re
import shutil
import subprocess
import time
import unittest
import urllib.parse

from lk import (AuthenticatorApp, Browser, LatchkeyTestCase, mail_body, mail_count,
                mail_subject, oathtool_totp, oathtool_totp_hex, wait_for_code, wait_for_mail,
                wait_until)

PASSWORD = "the first password 1"
NEW_PASSWORD = "a new and longer passphrase"
# Sign-ins and second-factor answers from 127.0.0.1 share one limit: these tests sign
# in more often than a person would in a minute.
LIMITS = {"signin_per_ip": "1000/1m", "code_send_per_destination": "off"}
RECOVERY_CODE = re.compile(r"^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$")
ANSWERS = {"first_concert": "  The BEATLES ", "first_job": "Corner bakery",
           "first_car": "Ford Fiesta", "childhood_toy": "Wooden train",
           "first_film": "Star Wars"}


def normalised(answer):
    return " ".join(answer.split()).lower()


class MethodsTestCase(LatchkeyTestCase):
    def server(self, config=None, env=None, mail=True):
        cfg = {"limits": dict(LIMITS), "branding": {"organisation_name": "Example University"}}
        if mail:
            self.mail = self.smtp()
            cfg["mail"] = {"smtp_url": "smtp://127.0.0.1:%d" % self.mail.port}
        for section, values in (config or {}).items():
            cfg.setdefault(section, {}).update(values)
        return self.latchkey(cfg, env=env)

    def signed_in(self, lk, username="alice", password=PASSWORD):
        b = Browser(lk)
        status, _, s = b.sign_in(username, password)
        self.assertEqual(status, 201, s)
        self.assertEqual(s["state"], "active", s)
        return b

    def register_totp(self, b, name=None):
        """Registers an authenticator app; returns (method, app)."""
        body = {} if name is None else {"name": name}
        status, _, m = b.add_method("totp", **body)
        self.assertEqual(status, 201, m)
        self.assertEqual(m["state"], "pending")
        app = AuthenticatorApp(m["secret"], m["algorithm"], m["digits"], m["period"])
        status, _, done = b.verify_method(m["id"], {"code": app.next_code()})
        self.assertEqual((status, done.get("state")), (200, "active"), done)
        return m, app

    def restart(self, lk, env):
        lk.stop()
        lk.env.update(env)
        lk.start()

    def flow(self, lk, username="alice", kind="reset"):
        status, _, flow = lk.request("POST", "/api/v1/flows", {"kind": kind, "username": username})
        self.assertEqual(status, 201, flow)
        return flow

    def option(self, flow, kind):
        found = [m for m in flow["methods"] if m["kind"] == kind]
        self.assertEqual(len(found), 1, "one %s option in %s" % (kind, flow["methods"]))
        return found[0]["id"]

    def pass_email_gate(self, lk, flow, address):
        skip = mail_count(self.mail, address)
        option = self.option(flow, "email")
        status, _, flow = lk.challenge(flow, option)
        self.assertEqual(status, 202, flow)
        code = wait_for_code(self.mail, address, skip)
        status, _, flow = lk.verify(flow, code, option)
        self.assertEqual(status, 200, flow)
        return flow


class TotpTest(MethodsTestCase):
    def setUp(self):
        super().setUp()
        self.lk = self.server(mail=False)
        self.add_user(self.lk, "alice", password=PASSWORD)

    def test_register_sign_in_and_replay(self):
        b = self.signed_in(self.lk)
        status, _, m = b.add_method("totp", name="Work phone")
        self.assertEqual(status, 201, m)
        self.assertEqual((m["kind"], m["state"], m["label"]), ("totp", "pending", "Work phone"))
        self.assertEqual((m["name"], m["issuer"], m["account"]), ("Work phone", "Example University", "alice"))
        self.assertEqual((m["algorithm"], m["digits"], m["period"]), ("SHA1", 6, 30))
        secret = m["secret"]
        self.assertRegex(secret, r"^[A-Z2-7]{32}$")  # 160 bits for SHA-1
        uri = urllib.parse.urlsplit(m["otpauth_uri"])
        self.assertEqual((uri.scheme, uri.netloc), ("otpauth", "totp"))
        self.assertEqual(urllib.parse.unquote(uri.path), "/Example University:alice")
        query = dict(urllib.parse.parse_qsl(uri.query))
        self.assertEqual(query, {"secret": secret, "issuer": "Example University",
                                 "algorithm": "SHA1", "digits": "6", "period": "30"})
        self.assertTrue(m["qr_svg"].startswith("<svg"), m["qr_svg"][:80])

        app = AuthenticatorApp(secret)
        # The Base32 and the hex form of the key give oathtool the same code.
        self.assertEqual(oathtool_totp(secret, 1700000000), oathtool_totp_hex(secret, 1700000000))

        # A wrong code is refused, and leaves nothing usable behind.
        status, _, err = b.verify_method(m["id"], {"code": app.wrong_code()})
        self.assertEqual((status, err["error"]["code"]), (400, "wrong_code"), err)
        listed = [x for x in b.methods() if x["kind"] == "totp"]
        self.assertEqual([(x["id"], x["state"]) for x in listed], [(m["id"], "pending")])
        self.assertNotIn("secret", str(listed))
        status, _, s = Browser(self.lk).sign_in("alice", PASSWORD)
        self.assertEqual((status, s["state"], s["methods"]), (201, "active", []))
        self.assertEqual([x["kind"] for x in self.flow(self.lk)["methods"]], ["email"])  # the decoy
        status, _, err = b.verify_method(m["id"], {"code": ""})
        self.assertEqual(status, 400, err)

        # The right code, typed with a space, activates it.
        code = app.next_code()
        status, _, done = b.verify_method(m["id"], {"code": code[:3] + " " + code[3:]})
        self.assertEqual(status, 200, done)
        self.assertEqual((done["id"], done["state"], done["label"]), (m["id"], "active", "Work phone"))
        self.assertNotIn("secret", done)
        status, _, err = b.verify_method(m["id"], {"code": code})
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))

        # Signing in again asks for the app.
        self.assertEqual(b.sign_out()[0], 204)
        b = Browser(self.lk)
        status, _, s = b.sign_in("alice", PASSWORD)
        self.assertEqual((status, s["state"]), (201, "second_factor_required"), s)
        self.assertEqual([x["kind"] for x in s["methods"]], ["totp"])
        option = s["methods"][0]["id"]
        status, _, err = b.call("GET", "/api/v1/me")
        self.assertEqual((status, err["error"]["code"]), (401, "second_factor_required"))
        status, _, err = b.second_factor(option, code=app.wrong_code())
        self.assertEqual((status, err["error"]["code"]), (400, "wrong_code"))
        code = app.next_code()
        status, _, s = b.second_factor(option, code=code)
        self.assertEqual((status, s.get("state")), (200, "active"), s)
        status, _, me = b.call("GET", "/api/v1/me")
        self.assertEqual((status, me["username"]), (200, "alice"))
        used = [x for x in b.methods() if x["id"] == m["id"]][0]
        self.assertIsNotNone(used["last_used_at"])

        # The same code in another sign-in is a replay.
        other = Browser(self.lk)
        status, _, s = other.sign_in("alice", PASSWORD)
        self.assertEqual(s["state"], "second_factor_required")
        status, _, err = other.second_factor(s["methods"][0]["id"], code=code)
        self.assertEqual((status, err["error"]["code"]), (400, "code_reused"), err)
        self.assertEqual(other.call("GET", "/api/v1/me")[0], 401)
        self.assertNotIn(secret, self.lk.stderr())

    def test_qr_code_decodes_to_the_otpauth_uri(self):
        if not (shutil.which("zbarimg") and shutil.which("rsvg-convert")):
            self.skipTest("needs zbarimg (zbar-tools) and rsvg-convert (librsvg2-bin)")
        b = self.signed_in(self.lk)
        status, _, m = b.add_method("totp")
        self.assertEqual(status, 201, m)
        self.assertEqual(m["name"], "Authenticator app")
        self.assertIn('role="img"', m["qr_svg"])
        self.assertIn("QR code to add alice (Example University) to an authenticator app", m["qr_svg"])
        svg = os.path.join(self.tmp, "qr.svg")
        png = os.path.join(self.tmp, "qr.png")
        with open(svg, "w") as f:
            f.write(m["qr_svg"])
        subprocess.run(["rsvg-convert", "-w", "600", "-b", "white", "-o", png, svg], check=True)
        out = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.rstrip("\n"), m["otpauth_uri"])

    def test_sha256_eight_digit_codes(self):
        lk = self.server(mail=False, env={"LATCHKEY_TOTP_ALGORITHM": "SHA256", "LATCHKEY_TOTP_DIGITS": "8",
                                          "LATCHKEY_TOTP_ISSUER": "Example IT"})
        self.add_user(lk, "bob", password=PASSWORD)
        b = self.signed_in(lk, "bob")
        status, _, m = b.add_method("totp")
        self.assertEqual((status, m["algorithm"], m["digits"], m["issuer"]), (201, "SHA256", 8, "Example IT"), m)
        self.assertRegex(m["secret"], r"^[A-Z2-7]{52}$")  # 256 bits
        self.assertIn("algorithm=SHA256", m["otpauth_uri"])
        self.assertIn("digits=8", m["otpauth_uri"])
        app = AuthenticatorApp(m["secret"], "SHA256", 8)
        # The SHA-1 code of the same key is not the code.
        step = int(time.time()) // 30
        sha1 = oathtool_totp(m["secret"], step * 30, digits=8)
        if sha1 not in {app.code_at_step(s) for s in range(step - 2, step + 3)}:
            status, _, err = b.verify_method(m["id"], {"code": sha1})
            self.assertEqual((status, err["error"]["code"]), (400, "wrong_code"))
        status, _, done = b.verify_method(m["id"], {"code": app.next_code()})
        self.assertEqual((status, done["state"]), (200, "active"), done)
        b.sign_out()
        b = Browser(lk)
        _, _, s = b.sign_in("bob", PASSWORD)
        status, _, s = b.second_factor(s["methods"][0]["id"], code=app.next_code())
        self.assertEqual((status, s.get("state")), (200, "active"), s)

    def test_names_and_limits(self):
        b = self.signed_in(self.lk)
        first, _ = self.register_totp(b, name="  Work phone ")
        self.assertEqual(first["label"], "Work phone")
        status, _, err = b.add_method("totp", name="work PHONE")  # names of active apps are taken
        self.assertEqual((status, err["error"]["code"], err["error"]["field"]), (400, "duplicate_name", "name"))
        status, _, err = b.add_method("totp", name="x" * 65)
        self.assertEqual((status, err["error"]["field"]), (400, "name"))
        status, _, second = b.add_method("totp")
        self.assertEqual((status, second["label"]), (201, "Authenticator app"))
        for _ in range(3):
            self.assertEqual(b.add_method("totp")[0], 201)
        status, _, err = b.add_method("totp")  # registrations in progress count too
        self.assertEqual((status, err["error"]["code"]), (409, "too_many_methods"))

    def test_two_registrations_in_progress_cannot_end_with_one_name(self):
        # Names are unique per kind within the account (docs/methods.md), also when two
        # registrations with one name were started before either was confirmed.
        b = self.signed_in(self.lk)
        status, _, first = b.add_method("totp", name="Phone")
        self.assertEqual(status, 201, first)
        status, _, second = b.add_method("totp", name="phone")
        if status == 400:
            self.assertEqual(second["error"]["code"], "duplicate_name")
        else:
            self.assertEqual(status, 201, second)
            self.assertEqual(b.verify_method(first["id"], {"code": AuthenticatorApp(first["secret"]).next_code()})[0], 200)
            status, _, err = b.verify_method(second["id"], {"code": AuthenticatorApp(second["secret"]).next_code()})
            self.assertEqual((status, err.get("error", {}).get("code")), (400, "duplicate_name"), err)
        active = [x["label"].lower() for x in b.methods() if x["kind"] == "totp" and x["state"] == "active"]
        self.assertEqual(len(active), len(set(active)), active)


class RecoveryCodeTest(MethodsTestCase):
    def setUp(self):
        super().setUp()
        self.lk = self.server(mail=False)
        self.add_user(self.lk, "alice", password=PASSWORD)

    def sign_in_with_code(self, code):
        b = Browser(self.lk)
        status, _, s = b.sign_in("alice", PASSWORD)
        self.assertEqual((status, s["state"]), (201, "second_factor_required"), s)
        self.assertEqual(sorted(x["kind"] for x in s["methods"]), ["recovery_code", "totp"])
        option = [x for x in s["methods"] if x["kind"] == "recovery_code"][0]
        self.assertRegex(option["hint"], r"^\d+ of 10 left$")
        return b, b.second_factor(option["id"], code=code)

    def test_codes_at_sign_in_reuse_and_regeneration(self):
        b = self.signed_in(self.lk)
        self.register_totp(b)
        status, _, rc = b.add_method("recovery_code")
        self.assertEqual(status, 201, rc)
        self.assertEqual((rc["kind"], rc["state"], rc["count"]), ("recovery_code", "active", 10))
        codes = rc["codes"]
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(set(codes)), 10)
        for c in codes:
            self.assertRegex(c, RECOVERY_CODE)
        self.assertEqual(rc["hint"], "10 of 10 left")
        # Shown once: never listed again, and there is nothing to confirm.
        listed = [x for x in b.methods() if x["kind"] == "recovery_code"]
        self.assertEqual(len(listed), 1)
        self.assertNotIn(codes[0], str(b.methods()))
        status, _, err = b.verify_method(rc["id"], {"code": codes[0]})
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))

        # A code is a second factor at sign-in, typed in lower case without dashes.
        self.assertEqual(b.sign_out()[0], 204)
        signed, (status, _, s) = self.sign_in_with_code(codes[0].lower().replace("-", ""))
        self.assertEqual((status, s.get("state")), (200, "active"), s)
        left = [x for x in signed.methods() if x["kind"] == "recovery_code"][0]
        self.assertEqual(left["hint"], "9 of 10 left")

        # Used once only.
        _, (status, _, err) = self.sign_in_with_code(codes[0])
        self.assertEqual((status, err["error"]["code"]), (400, "code_used"), err)
        _, (status, _, err) = self.sign_in_with_code("ABCD-EFGH-JKMN-PQRS")
        self.assertEqual((status, err["error"]["code"]), (400, "wrong_code"), err)

        # Regenerating voids the old set at once, used and unused codes alike.
        status, _, again = signed.add_method("recovery_code")
        self.assertEqual(status, 201, again)
        self.assertNotEqual(again["id"], rc["id"])
        self.assertFalse(set(again["codes"]) & set(codes))
        listed = [x for x in signed.methods() if x["kind"] == "recovery_code"]
        self.assertEqual([(x["id"], x["hint"]) for x in listed], [(again["id"], "10 of 10 left")])
        _, (status, _, err) = self.sign_in_with_code(codes[1])
        self.assertEqual((status, err["error"]["code"]), (400, "wrong_code"), err)
        _, (status, _, s) = self.sign_in_with_code(again["codes"][9])
        self.assertEqual((status, s.get("state")), (200, "active"), s)

    def test_without_a_strong_method_no_second_factor_is_asked(self):
        b = self.signed_in(self.lk)
        status, _, rc = b.add_method("recovery_code")
        self.assertEqual(status, 201, rc)
        status, _, s = Browser(self.lk).sign_in("alice", PASSWORD)
        self.assertEqual((status, s["state"], s["methods"]), (201, "active", []))


class SecurityQuestionsTest(MethodsTestCase):
    ON = {"LATCHKEY_SECURITY_QUESTIONS_ENABLED": "true"}

    def test_off_by_default(self):
        lk = self.server(mail=False)
        self.add_user(lk, "alice", password=PASSWORD)
        status, _, err = lk.request("GET", "/api/v1/security-questions")
        self.assertEqual((status, err["error"]["code"]), (404, "questions_off"))
        b = self.signed_in(lk)
        status, _, err = b.add_method("security_questions", answers=ANSWERS)
        self.assertEqual((status, err["error"]["code"], err["error"]["field"]),
                         (400, "method_not_offered", "kind"))
        self.assertEqual(b.methods(), [])

    def test_registration_rules(self):
        lk = self.server(mail=False, env=self.ON)
        self.add_user(lk, "alice", password=PASSWORD)
        status, _, listed = lk.request("GET", "/api/v1/security-questions")
        self.assertEqual(status, 200, listed)
        self.assertEqual((listed["count_to_register"], listed["count_to_ask"]), (5, 3))
        ids = [q["id"] for q in listed["questions"]]
        self.assertEqual(len(ids), 10)
        self.assertTrue(set(ANSWERS) <= set(ids))
        self.assertTrue(all(q["text"].endswith("?") for q in listed["questions"]))

        b = self.signed_in(lk)
        cases = [
            (dict(ANSWERS, first_film="the  beatles"), "duplicate_answers", "answers.first_film"),
            (dict(ANSWERS, first_film="ab"), "answer_length", "answers.first_film"),
            (dict(ANSWERS, first_film="x" * 41), "answer_length", "answers.first_film"),
            ({k: v for k, v in ANSWERS.items() if k != "first_film"}, "wrong_answer_count", "answers"),
            (dict({k: v for k, v in ANSWERS.items() if k != "first_film"}, mothers_maiden_name="Smith"),
             "unknown_question", "answers.mothers_maiden_name"),
        ]
        for answers, reason, field in cases:
            status, _, err = b.add_method("security_questions", answers=answers)
            self.assertEqual((status, err["error"]["code"], err["error"]["field"]), (400, reason, field),
                             (answers, err))
        self.assertEqual(b.methods(), [])  # nothing stored by a refused registration

        status, _, m = b.add_method("security_questions", answers=ANSWERS)
        self.assertEqual(status, 201, m)
        self.assertEqual((m["kind"], m["state"]), ("security_questions", "active"))
        self.assertEqual(sorted(m["questions"]), sorted(ANSWERS))
        self.assertFalse(m["helpdesk_question"])
        self.assertNotIn("Corner bakery", str(b.methods()))
        # Registering again replaces the set.
        status, _, again = b.add_method("security_questions", answers=dict(ANSWERS, first_film="Jaws again"))
        self.assertEqual(status, 201, again)
        self.assertEqual([x["id"] for x in b.methods()], [again["id"]])

    def start_two_gate_reset(self, gates="2"):
        env = dict(self.ON, LATCHKEY_FLOWS_GATES_REQUIRED=gates)
        lk = self.server(env=env)
        self.add_user(lk, "alice", email="alice@example.net", password=PASSWORD)
        b = self.signed_in(lk)
        status, _, m = b.add_method("security_questions", answers=ANSWERS)
        self.assertEqual(status, 201, m)
        # The registration is announced at the address on file before any reset.
        wait_until(lambda: mail_count(self.mail, "alice@example.net") >= 1, what="method_added mail")
        return lk

    def test_reset_with_email_then_questions(self):
        lk = self.start_two_gate_reset()
        flow = self.flow(lk)
        self.assertEqual(flow["gates_required"], 2)
        self.assertEqual(sorted(x["kind"] for x in flow["methods"]), ["email", "security_questions"])

        flow = self.pass_email_gate(lk, flow, "alice@example.net")
        self.assertEqual((flow["state"], flow["gates_passed"]), ("choose_method", 1), flow)
        self.assertEqual([x["kind"] for x in flow["methods"]], ["security_questions"])
        option = self.option(flow, "security_questions")
        status, _, err = lk.complete(flow, NEW_PASSWORD)
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))

        status, _, flow = lk.challenge(flow, option)
        self.assertEqual((status, flow["state"]), (202, "verify"), flow)
        asked = flow["challenge"]["questions"]
        self.assertEqual(len(asked), 3)
        self.assertTrue({q["id"] for q in asked} <= set(ANSWERS))
        self.assertTrue(all(q["text"] for q in asked))
        # Asking again without answering shows the same questions.
        status, _, again = lk.challenge(flow, option)
        self.assertEqual(status, 202, again)
        self.assertEqual(again["challenge"]["questions"], asked)

        # Answers to other questions than the ones asked are an input error, not a guess.
        wrong_ids = {q: ANSWERS[q] for q in ANSWERS if q not in {x["id"] for x in asked}}
        status, _, err = lk.request("POST", "/api/v1/flows/%s/verify" % flow["id"],
                                    {"method": option, "answers": wrong_ids})
        self.assertEqual((status, err["error"]["code"]), (400, "invalid_answers"), err)

        # One wrong answer: refused, counted, and other questions are drawn.
        answers = {q["id"]: ANSWERS[q["id"]] for q in asked}
        answers[asked[0]["id"]] = "not the answer"
        status, _, err = lk.request("POST", "/api/v1/flows/%s/verify" % flow["id"],
                                    {"method": option, "answers": answers})
        self.assertEqual((status, err["error"]["code"]), (400, "wrong_answer"), err)
        self.assertIn("4 attempts left", err["error"]["message"])
        status, _, flow = lk.challenge(flow, option)
        self.assertEqual(status, 202, flow)
        redrawn = flow["challenge"]["questions"]
        self.assertEqual(len(redrawn), 3)
        self.assertNotEqual({q["id"] for q in redrawn}, {q["id"] for q in asked})
        # The old subset's right answers no longer fit the new questions.
        status, _, err = lk.request("POST", "/api/v1/flows/%s/verify" % flow["id"],
                                    {"method": option, "answers": {q["id"]: ANSWERS[q["id"]] for q in asked}})
        self.assertEqual(status, 400, err)

        # The right answers, typed differently (case, spaces), pass the second gate.
        answers = {q["id"]: "  " + ANSWERS[q["id"]].upper() + "  " for q in redrawn}
        status, _, flow = lk.request("POST", "/api/v1/flows/%s/verify" % flow["id"],
                                     {"method": option, "answers": answers})
        self.assertEqual(status, 200, flow)
        self.assertEqual((flow["state"], flow["gates_passed"]), ("set_password", 2))
        status, _, flow = lk.complete(flow, NEW_PASSWORD)
        self.assertEqual((status, flow["state"]), (200, "done"), flow)
        self.assertEqual(Browser(lk).sign_in("alice", NEW_PASSWORD)[0], 201)
        for a in ANSWERS.values():
            self.assertNotIn(normalised(a), lk.stderr().lower())

    def test_questions_first_then_email(self):
        lk = self.start_two_gate_reset()
        flow = self.flow(lk)
        option = self.option(flow, "security_questions")
        status, _, flow = lk.challenge(flow, option)
        self.assertEqual(status, 202, flow)
        answers = {q["id"]: ANSWERS[q["id"]] for q in flow["challenge"]["questions"]}
        status, _, flow = lk.request("POST", "/api/v1/flows/%s/verify" % flow["id"],
                                     {"method": option, "answers": answers})
        self.assertEqual((status, flow["state"]), (200, "choose_method"), flow)
        self.assertEqual([x["kind"] for x in flow["methods"]], ["email"])
        flow = self.pass_email_gate(lk, flow, "alice@example.net")
        self.assertEqual(flow["state"], "set_password")

    def test_never_the_only_gate(self):
        lk = self.start_two_gate_reset(gates="1")
        flow = self.flow(lk)
        self.assertEqual(flow["gates_required"], 1)
        self.assertEqual([x["kind"] for x in flow["methods"]], ["email"])
        self.assertEqual(self.pass_email_gate(lk, flow, "alice@example.net")["state"], "set_password")


class GateRulesTest(MethodsTestCase):
    def setUp(self):
        super().setUp()
        self.lk = self.server()
        self.add_user(self.lk, "alice", email="alice@example.net", password=PASSWORD)
        b = self.signed_in(self.lk)
        self.totp, self.app = self.register_totp(b)
        self.browser = b

    def test_a_strong_method_must_be_used(self):
        flow = self.flow(self.lk)
        self.assertEqual([x["kind"] for x in flow["methods"]], ["totp"])
        status, _, rc = self.browser.add_method("recovery_code")
        self.assertEqual(status, 201, rc)
        flow = self.flow(self.lk)
        self.assertEqual(sorted(x["kind"] for x in flow["methods"]), ["recovery_code", "totp"])
        # A recovery code is a strong gate too.
        option = self.option(flow, "recovery_code")
        self.assertEqual(self.lk.challenge(flow, option)[0], 202)
        status, _, flow = self.lk.verify(flow, rc["codes"][0], option)
        self.assertEqual((status, flow.get("state")), (200, "set_password"), flow)
        # The code is spent: not again at a gate, nor at sign-in.
        flow = self.flow(self.lk)
        option = self.option(flow, "recovery_code")
        self.lk.challenge(flow, option)
        status, _, err = self.lk.verify(flow, rc["codes"][0], option)
        self.assertEqual((status, err["error"]["code"]), (400, "code_used"), err)
        b = Browser(self.lk)
        _, _, s = b.sign_in("alice", PASSWORD)
        option = [x["id"] for x in s["methods"] if x["kind"] == "recovery_code"][0]
        status, _, err = b.second_factor(option, code=rc["codes"][0])
        self.assertEqual((status, err["error"]["code"]), (400, "code_used"), err)

        self.restart(self.lk, {"LATCHKEY_FLOWS_REQUIRE_STRONG_GATE": "false"})
        flow = self.flow(self.lk)
        self.assertEqual(sorted(x["kind"] for x in flow["methods"]), ["email", "recovery_code", "totp"])
        flow = self.pass_email_gate(self.lk, flow, "alice@example.net")
        self.assertEqual(flow["state"], "set_password")

    def test_reset_through_the_authenticator_app(self):
        flow = self.flow(self.lk)
        option = self.option(flow, "totp")
        status, _, err = self.lk.verify(flow, self.app.wrong_code(), option)
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))  # no challenge yet
        skip = mail_count(self.mail, "alice@example.net")
        status, _, flow = self.lk.challenge(flow, option)
        self.assertEqual((status, flow["state"], flow["active_method"]), (202, "verify", option), flow)
        status, _, err = self.lk.verify(flow, self.app.wrong_code(), option)
        self.assertEqual((status, err["error"]["code"]), (400, "wrong_code"), err)
        self.assertIn("4 attempts left", err["error"]["message"])
        code = self.app.next_code()
        status, _, flow = self.lk.verify(flow, code, option)
        self.assertEqual((status, flow.get("state")), (200, "set_password"), flow)
        status, _, flow = self.lk.complete(flow, NEW_PASSWORD)
        self.assertEqual((status, flow["state"]), (200, "done"), flow)
        # The app sent nothing; the person is told of the change.
        told = wait_for_mail(self.mail, "alice@example.net",
                             lambda subject, body: "your password was changed" in subject,
                             what="password_changed mail")
        self.assertIn("after verification by your authenticator app", " ".join(mail_body(told).split()))
        self.assertFalse([m for m in self.mail.messages()[skip:] if "code is:" in mail_body(m)])
        # The code that opened the reset cannot open another one.
        flow = self.flow(self.lk)
        option = self.option(flow, "totp")
        self.lk.challenge(flow, option)
        status, _, err = self.lk.verify(flow, code, option)
        self.assertEqual((status, err["error"]["code"]), (400, "code_reused"), err)
        # The new password signs in, and the app is still asked for.
        status, _, s = Browser(self.lk).sign_in("alice", NEW_PASSWORD)
        self.assertEqual((status, s["state"]), (201, "second_factor_required"))

    def test_two_gates_one_of_them_strong(self):
        self.restart(self.lk, {"LATCHKEY_FLOWS_GATES_REQUIRED": "2"})
        flow = self.flow(self.lk)
        self.assertEqual(sorted(x["kind"] for x in flow["methods"]), ["email", "totp"])
        flow = self.pass_email_gate(self.lk, flow, "alice@example.net")
        self.assertEqual((flow["state"], [x["kind"] for x in flow["methods"]]), ("choose_method", ["totp"]))
        option = self.option(flow, "totp")
        self.assertEqual(self.lk.challenge(flow, option)[0], 202)
        status, _, flow = self.lk.verify(flow, self.app.next_code(), option)
        self.assertEqual((status, flow.get("state"), flow.get("gates_passed")), (200, "set_password", 2), flow)


class UnlockFlowTest(MethodsTestCase):
    def test_unlock_after_a_lockout(self):
        lk = self.server({"lockout": {"threshold": 3}})
        self.add_user(lk, "alice", email="alice@example.net", password=PASSWORD)
        for i in range(3):
            self.assertEqual(Browser(lk).sign_in("alice", "wrong guess %d" % i)[0], 401)
        status, _, err = Browser(lk).sign_in("alice", PASSWORD)
        self.assertEqual((status, err["error"]["code"]), (429, "account_locked"), err)

        status, _, flow = lk.request("POST", "/api/v1/flows", {"kind": "unlock", "username": "alice"})
        self.assertEqual(status, 201, flow)
        self.assertEqual((flow["kind"], flow["state"]), ("unlock", "choose_method"))
        self.assertEqual([x["kind"] for x in flow["methods"]], ["email"])
        status, _, err = lk.request("POST", "/api/v1/flows/%s/complete" % flow["id"], {})
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))
        flow = self.pass_email_gate(lk, flow, "alice@example.net")
        self.assertEqual(flow["gates_passed"], 1)
        status, _, flow = lk.request("POST", "/api/v1/flows/%s/complete" % flow["id"], {})
        self.assertEqual((status, flow.get("state")), (200, "done"), flow)

        # The old password works again, and the person is told.
        status, _, s = Browser(lk).sign_in("alice", PASSWORD)
        self.assertEqual((status, s.get("state")), (201, "active"), s)
        told = wait_for_mail(self.mail, "alice@example.net",
                             lambda subject, body: "your account was unlocked" in subject,
                             what="account_unlocked mail")
        self.assertIn("Your password was not changed", mail_body(told))
        self.assertIn("a code sent to your alternate email address", " ".join(mail_body(told).split()))
        status, _, err = lk.request("POST", "/api/v1/flows/%s/complete" % flow["id"], {})
        self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"))

    def test_unknown_user_gets_a_look_alike_unlock_flow(self):
        lk = self.server()
        self.add_user(lk, "alice", email="alice@example.net", password=PASSWORD)
        s1, _, real = lk.request("POST", "/api/v1/flows", {"kind": "unlock", "username": "alice"})
        s2, _, fake = lk.request("POST", "/api/v1/flows", {"kind": "unlock", "username": "nobody"})
        self.assertEqual((s1, s2), (201, 201), (real, fake))
        self.assertEqual(sorted(real), sorted(fake))
        self.assertEqual([x["kind"] for x in fake["methods"]], ["email"])


if __name__ == "__main__":
    unittest.main()
