"""Two-gate resets ([flows] gates_required = 2) end to end over HTTP, against the real
binary, for every pair of method kinds that works without a browser: email (the code
read from the mail a real SMTP server received), text and call to the mobile and the
office phone (codes read from the dev outbox, `latchkey outbox list --json`), an
authenticator app (codes from Debian's oathtool), recovery codes and security
questions.

For each pair the person has exactly those two kinds registered; the test checks that
the flow offers what docs/flows.md "Which gates may be used" says (different kinds, a
text and a call to the mobile are one method, one gate strong when a strong method is
registered, security questions never alone), passes both gates in both orders, sets a
new password and signs in with it. People without two usable different methods get a
look-alike flow whose gates never pass (audit reason `not_enough_methods`);
`[flows] require_strong_gate = false` lifts the strong-gate restriction."""
import itertools
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import unittest

from lk import (BIN, AuthenticatorApp, Browser, Latchkey, LatchkeyTestCase, SmtpServer, mail_count,
                wait_for_code, wait_until)

PASSWORD = "the first password 1"
STRONG = {"totp", "webauthn", "recovery_code"}
# Every kind that can be a gate without a browser (webauthn needs one: test_webauthn).
KINDS = ["email", "sms", "voice", "office_phone", "totp", "recovery_code", "security_questions"]
ANSWERS = {"first_concert": "The Beatles", "first_job": "Corner bakery",
           "first_car": "Ford Fiesta", "childhood_toy": "Wooden train",
           "first_film": "Star Wars"}
SMS_CODE = re.compile(r"\bis (\d{6,10})\b")
SPOKEN_CODE = re.compile(r"code is: ((?:\d, )+\d)")
CONFIG = {
    "flows": {"gates_required": 2},
    "security_questions": {"enabled": True},
    "phone": {"default_region": "GB"},
    # One client address does everything here, much faster than a person would.
    "limits": {"flow_start_per_ip": "10000/1m", "flow_start_per_account": "1000/1m",
               "verify_per_ip": "10000/1m", "signin_per_ip": "10000/1m",
               "code_send_per_destination": "off", "phone_send_per_number": "off"},
    "sms": {"hourly_budget": 100000},
    "voice": {"hourly_budget": 100000},
}


def group(kind):
    """Texts and calls to the mobile are one method (docs/flows.md)."""
    return "mobile" if kind in ("sms", "voice") else kind


def allowed_next(registered, passed, gates=2, require_strong=True):
    """The kinds docs/flows.md "Which gates may be used" allows for the next gate."""
    registered = set(registered)
    remaining = gates - len(passed)
    if remaining <= 0:
        return []
    used = {group(k) for k in passed}
    candidates = sorted(k for k in registered if k not in passed and group(k) not in used)
    if remaining == 1:
        if gates == 1:
            candidates = [k for k in candidates if k != "security_questions"]
        if require_strong and registered & STRONG and not set(passed) & STRONG:
            candidates = [k for k in candidates if k in STRONG]
        return candidates
    # An earlier gate: only kinds after which the remaining gates can still be passed.
    return [k for k in candidates if allowed_next(registered, list(passed) + [k], gates, require_strong)]


class Person:
    """A user with exactly `kinds` registered, and what they need to pass each gate."""

    def __init__(self, name, kinds):
        self.name = name
        self.kinds = sorted(kinds)
        self.password = PASSWORD
        self.email = None
        self.mobile = None
        self.office = None
        self.app = None
        self.codes = []
        self.seen = {}  # number -> the newest outbox id already read


class TotpApp(AuthenticatorApp):
    """Codes for steps never used before, from one step behind now on (the service accepts
    one step either side), so registering and two gates rarely have to wait."""

    def next_code(self):
        while True:
            now = time.time()
            step = int(now) // self.period
            if self.last_step is not None and self.last_step + 1 > step + 1:
                time.sleep(0.2)
                continue
            pick = step - 1 if self.last_step is None else max(step - 1, self.last_step + 1)
            if pick < step and (step + 1) * self.period - now < 1.5:
                time.sleep((step + 1) * self.period - now + 0.05)  # behind now: not near the edge
                continue
            self.last_step = pick
            return self.code_at_step(pick)


class TwoGateCase(LatchkeyTestCase):
    """One service (and one SMTP server) per class: every test creates its own users."""

    config = CONFIG
    counter = 0

    @classmethod
    def setUpClass(cls):
        cls.class_tmp = tempfile.mkdtemp(prefix="latchkey-it-2g-")
        cls.addClassCleanup(shutil.rmtree, cls.class_tmp, True)
        cls.mail = SmtpServer(cls.class_tmp)
        cls.addClassCleanup(cls.mail.stop)
        cls.mail.start()
        cfg = json.loads(json.dumps(cls.config))
        cfg["mail"] = {"smtp_url": "smtp://127.0.0.1:%d" % cls.mail.port}
        cls.lk = Latchkey(cfg, directory=os.path.join(cls.class_tmp, "latchkey"))
        cls.addClassCleanup(cls.lk.stop)
        for _ in range(3):  # the binary may be replaced by a build for a moment
            if os.path.exists(BIN):
                break
            time.sleep(30)
        cls.lk.start()

    @classmethod
    def number(cls):
        TwoGateCase.counter += 1
        return TwoGateCase.counter

    # -- registering -----------------------------------------------------------------
    def outbox_code(self, person, number, channel):
        """The code in the newest message on `channel` to `number` not read yet."""
        def found():
            fresh = [m for m in self.lk.outbox(number)
                     if m["channel"] == channel and m["id"] > person.seen.get(number, 0)]
            return max(fresh, key=lambda m: m["id"]) if fresh else None
        message = wait_until(found, 20, what="a %s message to %s" % (channel, number))
        person.seen[number] = message["id"]
        if channel == "sms":
            return SMS_CODE.search(message["body"]).group(1)
        readings = SPOKEN_CODE.findall(message["body"])
        self.assertEqual(len(readings), 2, message["body"])  # read out twice
        self.assertEqual(readings[0], readings[1])
        return readings[0].replace(", ", "")

    def make_person(self, prefix, kinds):
        n = self.number()
        p = Person("%s%d" % (prefix, n), kinds)
        if "email" in kinds:
            p.email = "%s@example.net" % p.name
        self.add_user(self.lk, p.name, email=p.email, password=PASSWORD)
        if "office_phone" in kinds:
            p.office = "+44207123%04d" % n
            rc, out, err = self.lk.cli("user", "set-office-phone", p.name, p.office)
            self.assertEqual(rc, 0, err)
        if set(kinds) - {"email", "office_phone"}:
            b = Browser(self.lk)
            status, _, s = b.sign_in(p.name, PASSWORD)
            self.assertEqual((status, s.get("state")), (201, "active"), s)
            for kind in ("sms", "voice"):  # one mobile number for texts and calls
                if kind in kinds:
                    p.mobile = "+4474001%05d" % n
                    status, _, m = b.add_method(kind, phone=p.mobile)
                    self.assertEqual(status, 201, m)
                    code = self.outbox_code(p, p.mobile, kind)
                    status, _, m = b.verify_method(m["id"], {"code": code})
                    self.assertEqual((status, m.get("state")), (200, "active"), m)
            if "security_questions" in kinds:
                status, _, m = b.add_method("security_questions", answers=ANSWERS)
                self.assertEqual((status, m.get("state")), (201, "active"), m)
            if "recovery_code" in kinds:
                status, _, m = b.add_method("recovery_code")
                self.assertEqual((status, m.get("state")), (201, "active"), m)
                p.codes = list(m["codes"])
            if "totp" in kinds:
                status, _, m = b.add_method("totp")
                self.assertEqual(status, 201, m)
                p.app = TotpApp(m["secret"], m["algorithm"], m["digits"], m["period"])
                status, _, m = b.verify_method(m["id"], {"code": p.app.next_code()})
                self.assertEqual((status, m.get("state")), (200, "active"), m)
        # Exactly these kinds, all active, nothing else.
        rc, out, err = self.lk.cli("user", "show", p.name, "--json")
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(m["kind"] for m in json.loads(out)["methods"]), p.kinds, out)
        return p

    # -- the flow --------------------------------------------------------------------
    def start(self, person):
        status, _, flow = self.lk.start_flow(person.name)
        self.assertEqual(status, 201, flow)
        self.assertEqual((flow["kind"], flow["state"], flow["gates_required"], flow["gates_passed"]),
                         ("reset", "choose_method", 2, 0), flow)
        return flow

    def kinds(self, flow):
        return sorted(m["kind"] for m in flow["methods"])

    def option(self, flow, kind):
        found = [m["id"] for m in flow["methods"] if m["kind"] == kind]
        self.assertEqual(len(found), 1, "one %s option in %s" % (kind, flow["methods"]))
        return found[0]

    def pass_gate(self, person, flow, kind):
        option = self.option(flow, kind)
        skip = mail_count(self.mail, person.email) if kind == "email" else 0
        status, _, flow = self.lk.challenge(flow, option)
        self.assertEqual((status, flow.get("state"), flow.get("active_method")), (202, "verify", option), flow)
        body = {"method": option}
        if kind == "email":
            body["code"] = wait_for_code(self.mail, person.email, skip)
        elif kind == "sms":
            body["code"] = self.outbox_code(person, person.mobile, "sms")
        elif kind == "voice":
            body["code"] = self.outbox_code(person, person.mobile, "voice")
        elif kind == "office_phone":
            body["code"] = self.outbox_code(person, person.office, "voice")
        elif kind == "totp":
            body["code"] = person.app.next_code()
        elif kind == "recovery_code":
            body["code"] = person.codes.pop(0)
        elif kind == "security_questions":
            asked = flow["challenge"]["questions"]
            self.assertEqual(len(asked), 3, asked)
            body["answers"] = {q["id"]: ANSWERS[q["id"]] for q in asked}
        status, _, flow = self.lk.request("POST", "/api/v1/flows/%s/verify" % flow["id"], body)
        self.assertEqual(status, 200, flow)
        self.assertIn(option, flow["passed_methods"])
        return flow

    def reset(self, person, order, require_strong=True):
        """A whole two-gate reset through `order`, checking the offer before each gate."""
        flow = self.start(person)
        passed = []
        for kind in order:
            self.assertEqual(self.kinds(flow), allowed_next(person.kinds, passed, 2, require_strong),
                             "offer after %s" % passed)
            flow = self.pass_gate(person, flow, kind)
            passed.append(kind)
            self.assertEqual(flow["gates_passed"], len(passed), flow)
            if len(passed) == 1:
                self.assertEqual(flow["state"], "choose_method", flow)
                status, _, err = self.lk.complete(flow, "not yet allowed 1234")
                self.assertEqual((status, err["error"]["code"]), (409, "out_of_order"), err)
        self.assertEqual(flow["state"], "set_password", flow)
        with self.subTest(check="nothing offered once every gate is passed", order=order):
            # docs/flows.md: "the flow only ever lists the methods allowed for the next step".
            self.assertEqual(flow["methods"], [], flow)
        new_password = "%s then %s, a fresh passphrase %d" % (order[0], order[1], self.number())
        status, _, flow = self.lk.complete(flow, new_password)
        self.assertEqual((status, flow.get("state")), (200, "done"), flow)
        status, _, shown = self.lk.request("GET", "/api/v1/flows/%s" % flow["id"])
        self.assertEqual((status, shown.get("state")), (200, "done"), shown)
        status, _, s = Browser(self.lk).sign_in(person.name, new_password)
        self.assertEqual(status, 201, s)
        self.assertEqual(s["state"], "second_factor_required" if set(person.kinds) & {"totp"} else "active", s)
        status, _, err = Browser(self.lk).sign_in(person.name, person.password)
        self.assertEqual((status, err["error"]["code"]), (401, "invalid_credentials"), err)
        person.password = new_password

    def refused(self, person, first, refused_kind, code):
        """After gate 1 with `first`, a challenge of `refused_kind` is refused with `code`."""
        flow = self.start(person)
        target = [m for m in flow["methods"] if m["kind"] == refused_kind]  # the id this flow gave it
        self.assertEqual(len(target), 1, flow)
        flow = self.pass_gate(person, flow, first)
        self.assertEqual(self.kinds(flow), allowed_next(person.kinds, [first]))
        status, _, err = self.lk.challenge(flow, target[0]["id"])
        self.assertEqual((status, err.get("error", {}).get("code")), (400, code),
                         "POST /challenge %s after %s: %s" % (refused_kind, first, err))
        status, _, again = self.lk.request("GET", "/api/v1/flows/%s" % flow["id"])
        self.assertEqual((again["state"], again["gates_passed"]), ("choose_method", 1), again)

    def audit_reasons(self, username, event="flow.start"):
        db = sqlite3.connect(os.path.join(self.lk.dir, "var", "latchkey.db"))
        try:
            return [r[0] for r in db.execute("SELECT reason FROM audit WHERE event = ? AND subject = ? ORDER BY id",
                                             (event, username))]
        finally:
            db.close()

    def audit_outcomes(self, username, event):
        db = sqlite3.connect(os.path.join(self.lk.dir, "var", "latchkey.db"))
        try:
            return [r[0] for r in db.execute("SELECT outcome FROM audit WHERE event = ? AND subject = ? ORDER BY id",
                                             (event, username))]
        finally:
            db.close()

    def assert_look_alike(self, person, reason):
        """A flow that looks like a real one and never passes a gate (docs/flows.md)."""
        flow = self.start(person)
        status, _, unknown = self.lk.start_flow("nobody-%d" % self.number())
        self.assertEqual(status, 201, unknown)
        self.assertEqual(sorted(flow), sorted(unknown))
        self.assertEqual(self.kinds(flow), ["email"], flow)
        self.assertEqual(sorted(flow["methods"][0]), sorted(unknown["methods"][0]))
        self.assertRegex(flow["methods"][0]["hint"], r"^[a-z]{2}\*{5}@[a-z]\*{4}\.[a-z.]+$")
        self.assertEqual(self.start(person)["methods"][0]["hint"], flow["methods"][0]["hint"])  # stable
        status, _, body = self.lk.challenge(flow)
        self.assertEqual((status, body.get("state")), (202, "verify"), body)
        status, _, err = self.lk.verify(flow, "123456")
        self.assertEqual((status, err["error"]["code"]), (400, "wrong_code"), err)
        self.assertEqual(self.lk.request("GET", "/api/v1/flows/%s" % flow["id"])[2]["gates_passed"], 0)
        self.assertEqual(set(self.audit_reasons(person.name)), {reason})


class EveryPairTest(TwoGateCase):
    def test_every_pair_in_both_orders(self):
        pairs = [pair for pair in itertools.combinations(KINDS, 2) if set(pair) != {"sms", "voice"}]
        people = {}
        for a, b in pairs:
            with self.subTest(register=(a, b)):
                people[(a, b)] = self.make_person("p", [a, b])
        for (a, b), person in people.items():
            with self.subTest(pair=(a, b)):
                start = self.start(person)
                # Both kinds are offered at gate 1: either can be followed by the other.
                self.assertEqual(self.kinds(start), sorted([a, b]), start)
                self.assertEqual(allowed_next(person.kinds, []), sorted([a, b]))
                for order in ((a, b), (b, a)):
                    with self.subTest(pair=(a, b), order=order):
                        self.reset(person, order)
                # A method already passed is not offered again, and is refused if asked for.
                flow = self.start(person)
                first = self.option(flow, a)
                flow = self.pass_gate(person, flow, a)
                self.assertEqual(self.kinds(flow), [b])
                status, _, err = self.lk.challenge(flow, first)
                # api.md does not name the code for a method already passed: 400
                # method_not_allowed and 409 out_of_order are both listed for …/challenge.
                self.assertIn((status, err.get("error", {}).get("code")),
                              [(400, "method_not_allowed"), (409, "out_of_order")],
                              "POST /challenge with the passed %s: %s" % (a, err))
                status, _, again = self.lk.request("GET", "/api/v1/flows/%s" % flow["id"])
                self.assertEqual((again["state"], again["gates_passed"], self.kinds(again)),
                                 ("choose_method", 1, [b]), again)
                self.assertEqual(set(self.audit_reasons(person.name)), {""})
                self.assertEqual(self.audit_outcomes(person.name, "password.reset"), ["ok", "ok"])


class LookAlikeTest(TwoGateCase):
    def test_text_and_call_to_one_mobile_are_one_method(self):
        person = self.make_person("sv", ["sms", "voice"])
        self.assertEqual(allowed_next(person.kinds, []), [])
        self.assert_look_alike(person, "not_enough_methods")
        # The look-alike sent nothing to the real number.
        self.assertEqual([m["id"] for m in self.lk.outbox(person.mobile) if m["id"] > person.seen[person.mobile]],
                         [])

    def test_text_and_call_with_a_third_method(self):
        person = self.make_person("sve", ["email", "sms", "voice"])
        flow = self.start(person)
        self.assertEqual(self.kinds(flow), ["email", "sms", "voice"])
        # After a text, a call to the same mobile is not a second gate.
        self.refused(person, "sms", "voice", "method_not_allowed")
        self.refused(person, "voice", "sms", "method_not_allowed")
        self.reset(person, ("sms", "email"))
        self.reset(person, ("email", "voice"))

    def test_two_of_one_kind_are_one_method(self):
        # Two email addresses, two mobiles for texts, or a text to one mobile and a call
        # to another: one kind (or the mobile's two channels) cannot make two gates.
        person = self.make_person("ee", ["email"])
        b = Browser(self.lk)
        self.assertEqual(b.sign_in(person.name, PASSWORD)[0], 201)
        second = person.name + ".second@example.net"
        status, _, m = b.add_method("email", address=second)
        self.assertEqual(status, 201, m)
        status, _, m = b.verify_method(m["id"], {"code": wait_for_code(self.mail, second)})
        self.assertEqual((status, m.get("state")), (200, "active"), m)
        self.assert_look_alike(person, "not_enough_methods")

        for kinds in (("sms", "sms"), ("sms", "voice")):
            with self.subTest(kinds=kinds):
                person = self.make_person("mm", [kinds[0]])
                b = Browser(self.lk)
                self.assertEqual(b.sign_in(person.name, PASSWORD)[0], 201)
                other = "+4474009%05d" % self.number()
                status, _, m = b.add_method(kinds[1], phone=other)
                self.assertEqual(status, 201, m)
                status, _, m = b.verify_method(m["id"], {"code": self.outbox_code(person, other, kinds[1])})
                self.assertEqual((status, m.get("state")), (200, "active"), m)
                self.assert_look_alike(person, "not_enough_methods")

    def test_a_single_method_is_a_look_alike(self):
        for kind in KINDS:
            with self.subTest(kind=kind):
                person = self.make_person("one", [kind])
                self.assertEqual(allowed_next(person.kinds, []), [])
                self.assert_look_alike(person, "not_enough_methods")

    def test_nothing_registered_is_a_look_alike(self):
        self.assert_look_alike(self.make_person("none", []), "no_methods")


class StrongGateTest(TwoGateCase):
    """With a strong method registered, one of the two gates must be strong."""

    CASES = [
        # (registered, weak first gate, weak second gate refused, strong method)
        (["email", "sms", "totp"], "email", "sms", "totp"),
        (["email", "sms", "totp"], "sms", "email", "totp"),
        (["email", "office_phone", "recovery_code"], "office_phone", "email", "recovery_code"),
        (["email", "security_questions", "totp"], "security_questions", "email", "totp"),
        (["security_questions", "voice", "recovery_code"], "voice", "security_questions", "recovery_code"),
    ]

    def test_the_second_gate_must_be_strong_when_the_first_was_not(self):
        for registered, first, refused_kind, strong in self.CASES:
            with self.subTest(registered=registered, first=first):
                person = self.make_person("st", registered)
                self.assertEqual(self.kinds(self.start(person)), sorted(registered))
                self.assertEqual(allowed_next(registered, [first]), [strong])
                self.refused(person, first, refused_kind, "strong_method_required")
                self.reset(person, (first, strong))
                # A strong first gate leaves the second free.
                self.assertEqual(allowed_next(registered, [strong]), sorted(set(registered) - {strong}))
                self.reset(person, (strong, refused_kind))


class NoStrongGateTest(TwoGateCase):
    config = dict(CONFIG, flows={"gates_required": 2, "require_strong_gate": False})

    def test_any_two_different_methods_will_do(self):
        for registered, first, second, strong in StrongGateTest.CASES:
            with self.subTest(registered=registered, first=first):
                person = self.make_person("ns", registered)
                flow = self.start(person)
                self.assertEqual(self.kinds(flow), sorted(registered))
                flow = self.pass_gate(person, flow, first)
                self.assertEqual(self.kinds(flow), sorted(set(registered) - {first}), flow)
                self.reset(person, (first, second), require_strong=False)
        # Still two different methods: a text and a call do not make two gates.
        person = self.make_person("nsv", ["sms", "voice"])
        self.assert_look_alike(person, "not_enough_methods")


if __name__ == "__main__":
    unittest.main()
