"""SMS and voice codes through the real `latchkey serve` and real providers:
Kannel with its fake SMSC, a webhook receiver, and a server speaking Twilio's
wire format. Resets by SMS end to end over HTTP, providers down and refusing, the
office phone command, and the toll-fraud limits (per number, per country,
allow-list, hourly budget with its alert)."""
import json
import os
import re
import sqlite3
import unittest
import xml.etree.ElementTree as ET

from lk import LatchkeyTestCase, wait_until
from phone_servers import FakeTwilio, KannelGateway, WebhookReceiver, kannel_missing

ALICE = "+447400123456"
BOB = "+447400123457"
PASSWORD = "a fresh passphrase for 2026"
SMS_CODE = re.compile(r"verification code is (\d{6,10})")


def spoken(code):
    return ", ".join(code)


class PhoneTestCase(LatchkeyTestCase):
    def phone_latchkey(self, sms=None, voice=None, phone=None, limits=None, env=None):
        config = {"phone": dict({"default_region": "GB"}, **(phone or {})),
                  "branding": {"organisation_name": "Example University"},
                  "log": {"format": "json"}}
        if sms:
            config["sms"] = sms
        if voice:
            config["voice"] = voice
        if limits:
            config["limits"] = limits
        return self.latchkey(config, env=env)

    def secret_file(self, name, value):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
        return path

    def option(self, flow, kind):
        for m in flow["methods"]:
            if m["kind"] == kind:
                return m["id"]
        self.fail("no %s option in %s" % (kind, flow))

    def start_and_challenge(self, lk, user, kind="sms", expect=202):
        status, _, flow = lk.start_flow(user)
        self.assertEqual(status, 201, flow)
        method = self.option(flow, kind)
        status, _, body = lk.challenge(flow, method)
        self.assertEqual(status, expect, body)
        return flow, method, body

    def finish_reset(self, lk, flow, method, code):
        status, _, body = lk.verify(flow, code, method)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["state"], "set_password")
        status, _, body = lk.complete(flow, PASSWORD)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["state"], "done")

    def logs(self, lk):
        out = []
        for line in lk.stderr().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def log_records(self, lk, event):
        return [r for r in self.logs(lk) if r.get("record", {}).get("event") == event]

    def audit(self, lk, event):
        db = sqlite3.connect(os.path.join(lk.dir, "var", "latchkey.db"))
        try:
            return db.execute("SELECT outcome, reason, actor, method FROM audit WHERE event = ? ORDER BY id",
                              (event,)).fetchall()
        finally:
            db.close()

    def assert_no_secret_in_logs(self, lk, *secrets):
        err = lk.stderr()
        for s in secrets:
            self.assertNotIn(s, err)


@unittest.skipIf(kannel_missing(), kannel_missing() or "")
class KannelTest(PhoneTestCase):
    def kannel(self, start=True):
        k = KannelGateway(self.tmp)
        self.addCleanup(k.stop)
        if start:
            k.start()
        return k

    def kannel_latchkey(self, kannel, **extra):
        pw = self.secret_file("kannel-pw", KannelGateway.PASSWORD)
        sms = {"provider": "kannel", "kannel_url": kannel.url, "kannel_username": KannelGateway.USER,
               "kannel_password_file": pw, "from": "ExampleUni"}
        sms.update(extra)
        return self.phone_latchkey(sms=sms)

    def test_reset_gate_by_sms_end_to_end(self):
        kannel = self.kannel()
        lk = self.kannel_latchkey(kannel)
        self.add_user(lk, "alice", phone="07400 123456")  # national format, default region GB
        flow, method, body = self.start_and_challenge(lk, "alice")
        self.assertEqual([m["hint"] for m in flow["methods"] if m["kind"] == "sms"], ["+44 ******* 56"])
        sender, to, text = kannel.wait_for_message(ALICE)[0]
        self.assertEqual(sender, "ExampleUni")
        self.assertTrue(text.startswith("Example University: your verification code is "), text)
        code = SMS_CODE.search(text).group(1)
        self.finish_reset(lk, flow, method, code)
        sent = wait_until(lambda: [m for m in lk.outbox() if m["status"] == "sent"], what="sent status")
        self.assertEqual(sent[0]["channel"], "sms")
        self.assertEqual(sent[0]["body"], "")  # wiped once delivered
        self.assertEqual(len(kannel.received()), 1)
        self.assert_no_secret_in_logs(lk, KannelGateway.PASSWORD, code, ALICE, "7400123456")

    def test_the_get_interface_works_too(self):
        kannel = self.kannel()
        lk = self.kannel_latchkey(kannel, kannel_method="get")
        self.add_user(lk, "alice", phone=ALICE)
        self.start_and_challenge(lk, "alice")
        _, _, text = kannel.wait_for_message(ALICE)[0]
        self.assertRegex(text, SMS_CODE)
        self.assert_no_secret_in_logs(lk, KannelGateway.PASSWORD)

    def test_kannel_down_retries_and_delivers_once_it_is_back(self):
        kannel = self.kannel()
        kannel.stop_smsbox()
        lk = self.kannel_latchkey(kannel)
        self.add_user(lk, "alice", phone=ALICE)
        flow, method, _ = self.start_and_challenge(lk, "alice")  # the person sees nothing wrong
        queued = wait_until(lambda: [m for m in lk.outbox() if m["attempts"] >= 2], what="two failed attempts")
        self.assertEqual(queued[0]["status"], "queued")
        self.assertIn("kannel", queued[0]["last_error"])
        self.assertEqual(kannel.received(), [])
        kannel.start_smsbox()
        _, _, text = kannel.wait_for_message(ALICE)[0]
        wait_until(lambda: [m for m in lk.outbox() if m["status"] == "sent"], what="sent status")
        self.finish_reset(lk, flow, method, SMS_CODE.search(text).group(1))
        self.assertEqual(len(kannel.received()), 1)  # delivered exactly once

    def test_a_refusal_fails_the_message_without_retrying(self):
        kannel = self.kannel()
        lk = self.kannel_latchkey(kannel)
        self.add_user(lk, "alice", phone=KannelGateway.BARRED)
        self.start_and_challenge(lk, "alice")  # 202: the refusal is not shown to the person
        failed = wait_until(lambda: [m for m in lk.outbox() if m["status"] == "failed"], what="failed status")
        self.assertEqual(failed[0]["attempts"], 1)
        self.assertIn("kannel HTTP 400", failed[0]["last_error"])
        self.assertIn("denied by white- and/or black-lists", failed[0]["last_error"])
        self.assertNotIn(KannelGateway.BARRED[1:], failed[0]["last_error"])
        self.assertEqual(kannel.received(), [])
        self.assertTrue(self.log_records(lk, "delivery.failed"))


class WebhookTest(PhoneTestCase):
    def receiver(self):
        r = WebhookReceiver().start()
        self.addCleanup(r.stop)
        return r

    def test_json_body_with_the_auth_header_from_a_file(self):
        hook = self.receiver()
        token = "Bearer webhook-secret-0123"
        lk = self.phone_latchkey(sms={"provider": "webhook", "webhook_url": hook.url,
                                      "webhook_auth_value_file": self.secret_file("hook", token)})
        self.add_user(lk, "alice", phone=ALICE)
        flow, method, _ = self.start_and_challenge(lk, "alice")
        req = hook.wait_for()[0]
        self.assertEqual(req["path"], "/hooks/sms")
        self.assertEqual(req["headers"]["content-type"], "application/json")
        self.assertEqual(req["headers"]["authorization"], token)
        body = json.loads(req["body"])
        self.assertEqual(sorted(body), ["text", "to"])
        self.assertEqual(body["to"], ALICE)
        self.finish_reset(lk, flow, method, SMS_CODE.search(body["text"]).group(1))
        self.assert_no_secret_in_logs(lk, "webhook-secret-0123")

    def test_form_template_with_the_code_for_an_office_phone_call(self):
        hook = self.receiver()
        lk = self.phone_latchkey(voice={"provider": "webhook", "webhook_url": hook.url, "webhook_format": "form",
                                        "webhook_body": "number={{to}}&otp={{code}}&say={{text}}&via={{channel}}"})
        self.add_user(lk, "frank")
        rc, out, err = lk.cli("user", "set-office-phone", "frank", "020 7123 4567")
        self.assertEqual(rc, 0, err)
        self.assertIn("+44 ******* 67", out)
        flow, method, _ = self.start_and_challenge(lk, "frank", kind="office_phone")
        req = hook.wait_for()[0]
        self.assertEqual(req["headers"]["content-type"], "application/x-www-form-urlencoded")
        from urllib.parse import parse_qs
        form = {k: v[0] for k, v in parse_qs(req["body"]).items()}
        self.assertEqual(form["number"], "+442071234567")
        self.assertEqual(form["via"], "voice")
        code = form["otp"]
        self.assertRegex(code, r"^\d{6}$")
        self.assertEqual(form["say"].count(spoken(code)), 2, form["say"])  # read twice, digit by digit
        self.finish_reset(lk, flow, method, code)

    def test_receiver_down_then_back(self):
        hook = self.receiver()
        hook.status = 503
        lk = self.phone_latchkey(sms={"provider": "webhook", "webhook_url": hook.url})
        self.add_user(lk, "alice", phone=ALICE)
        flow, method, _ = self.start_and_challenge(lk, "alice")
        hook.wait_for(count=2, what="two attempts")
        queued = [m for m in lk.outbox() if m["channel"] == "sms"]
        self.assertEqual(queued[0]["status"], "queued")
        self.assertIn("webhook HTTP 503", queued[0]["last_error"])
        hook.status = 200
        wait_until(lambda: [m for m in lk.outbox() if m["status"] == "sent"], what="sent status")
        delivered = [r for r in hook.requests() if r["status"] == 200]
        self.assertEqual(len(delivered), 1)
        self.finish_reset(lk, flow, method, SMS_CODE.search(json.loads(delivered[0]["body"])["text"]).group(1))

    def test_a_refusal_is_final(self):
        hook = self.receiver()
        hook.status = 422
        hook.reply = '{"error":"number %s is not reachable"}' % ALICE
        lk = self.phone_latchkey(sms={"provider": "webhook", "webhook_url": hook.url})
        self.add_user(lk, "alice", phone=ALICE)
        self.start_and_challenge(lk, "alice")
        failed = wait_until(lambda: [m for m in lk.outbox() if m["status"] == "failed"], what="failed status")
        self.assertEqual(failed[0]["attempts"], 1)
        self.assertIn("webhook HTTP 422", failed[0]["last_error"])
        self.assertNotIn("7400123456", failed[0]["last_error"])  # the echoed number is masked
        self.assertEqual(len(hook.requests()), 1)


class TwilioTest(PhoneTestCase):
    def twilio(self):
        t = FakeTwilio().start()
        self.addCleanup(t.stop)
        return t

    def twilio_config(self, twilio, **extra):
        cfg = {"provider": "twilio", "twilio_base_url": twilio.base_url,
               "twilio_account_sid": FakeTwilio.ACCOUNT_SID,
               "twilio_auth_token_file": self.secret_file("twilio", FakeTwilio.AUTH_TOKEN),
               "from": "+15005550006"}
        cfg.update(extra)
        return cfg

    def test_sms_reset_through_the_messages_api(self):
        twilio = self.twilio()
        lk = self.phone_latchkey(sms=self.twilio_config(twilio))
        self.add_user(lk, "alice", phone=ALICE)
        flow, method, _ = self.start_and_challenge(lk, "alice")
        req = twilio.wait_for(lambda r: r.get("answer") == 201)[0]
        self.assertEqual(req["path"], "/2010-04-01/Accounts/%s/Messages.json" % FakeTwilio.ACCOUNT_SID)
        self.assertEqual(req["form"]["To"], ALICE)
        self.assertEqual(req["form"]["From"], "+15005550006")
        self.assertLessEqual(int(req["form"]["ValidityPeriod"]), 300)
        self.finish_reset(lk, flow, method, SMS_CODE.search(req["form"]["Body"]).group(1))
        self.assert_no_secret_in_logs(lk, FakeTwilio.AUTH_TOKEN)

    def test_a_call_reads_the_code_twice_with_twiml(self):
        twilio = self.twilio()
        lk = self.phone_latchkey(voice=self.twilio_config(twilio, language="en-GB"))
        self.add_user(lk, "frank")
        self.assertEqual(lk.cli("user", "set-office-phone", "frank", "+44 20 7123 4567")[0], 0)
        flow, method, _ = self.start_and_challenge(lk, "frank", kind="office_phone")
        req = twilio.wait_for(lambda r: r.get("answer") == 201)[0]
        self.assertTrue(req["path"].endswith("/Calls.json"), req["path"])
        self.assertEqual(req["form"]["To"], "+442071234567")
        root = ET.fromstring(req["form"]["Twiml"])
        self.assertEqual(root.tag, "Response")
        says = [e.text for e in root if e.tag == "Say"]
        self.assertTrue(all(e.get("language") == "en-GB" for e in root if e.tag == "Say"))
        self.assertTrue(any(e.tag == "Pause" for e in root))
        digits = [re.search(r"((?:\d, )+\d)", s).group(1) for s in says if re.search(r"\d, \d", s)]
        self.assertEqual(len(digits), 2, says)
        self.assertEqual(digits[0], digits[1])
        self.finish_reset(lk, flow, method, digits[0].replace(", ", ""))

    def test_an_invalid_number_21211_fails_without_retrying(self):
        twilio = self.twilio()
        twilio.invalid_numbers.add(ALICE)
        lk = self.phone_latchkey(sms=self.twilio_config(twilio))
        self.add_user(lk, "alice", phone=ALICE)
        self.start_and_challenge(lk, "alice")
        failed = wait_until(lambda: [m for m in lk.outbox() if m["status"] == "failed"], what="failed status")
        self.assertEqual(failed[0]["attempts"], 1)
        self.assertIn("twilio HTTP 400: error 21211", failed[0]["last_error"])
        self.assertIn("+44 ******* 56", failed[0]["last_error"])
        self.assertNotIn("7400123456", failed[0]["last_error"])
        self.assertEqual(len(twilio.requests()), 1)

    def test_twilio_down_then_back_and_a_wrong_token_is_not_a_refusal(self):
        twilio = self.twilio()
        twilio.down = True
        lk = self.phone_latchkey(sms=self.twilio_config(twilio))
        self.add_user(lk, "alice", phone=ALICE)
        flow, method, _ = self.start_and_challenge(lk, "alice")
        twilio.wait_for(count=2, what="two attempts while down")
        self.assertIn("error 20500", [m for m in lk.outbox()][0]["last_error"])
        twilio.down = False
        req = twilio.wait_for(lambda r: r.get("answer") == 201)[0]
        wait_until(lambda: [m for m in lk.outbox() if m["status"] == "sent"], what="sent status")
        self.assertEqual(len(twilio.accepted()), 1)
        self.finish_reset(lk, flow, method, SMS_CODE.search(req["form"]["Body"]).group(1))

        # A wrong auth token: Twilio's 20003 is retried (fixing the configuration
        # delivers what is queued), not failed as if the number were bad.
        lk2 = self.phone_latchkey(sms=self.twilio_config(
            twilio, twilio_auth_token_file=self.secret_file("wrong", "not-the-token")))
        self.add_user(lk2, "bob", phone=BOB)
        self.start_and_challenge(lk2, "bob")
        wait_until(lambda: [m for m in lk2.outbox() if m["attempts"] >= 2], what="retries")
        m = lk2.outbox()[0]
        self.assertEqual(m["status"], "queued")
        self.assertIn("20003", m["last_error"])


class TollFraudTest(PhoneTestCase):
    """The limits apply whatever the provider: these use the dev outbox."""

    def codes_to(self, lk, number):
        return [m for m in lk.outbox(number)]

    def assert_cannot_send(self, body):
        self.assertEqual(body["error"]["code"], "cannot_send_code")
        self.assertEqual(body["error"]["message"],
                         "We cannot send a code to that number right now. Choose another way to verify, "
                         "or contact the helpdesk.")

    def refusals(self, lk):
        return [r["record"]["check"] for r in self.log_records(lk, "phone.send_refused")]

    def test_per_number_limit(self):
        lk = self.phone_latchkey(limits={"phone_send_per_number": "2/1d"})
        self.add_user(lk, "alice", phone=ALICE)
        for _ in range(2):
            self.start_and_challenge(lk, "alice")
        _, _, body = self.start_and_challenge(lk, "alice", expect=429)
        self.assert_cannot_send(body)
        self.assertEqual(len(self.codes_to(lk, ALICE)), 2)
        self.assertEqual(self.refusals(lk), ["per_number"])

    def test_per_country_limit_and_the_allow_list(self):
        lk = self.phone_latchkey(phone={"allowed_country_codes": ["GB", "+33"]},
                                 limits={"phone_send_per_country": "1/1h"})
        self.add_user(lk, "amelie", phone="+33612345678")
        self.add_user(lk, "benoit", phone="+33612345679")
        self.add_user(lk, "carl", phone="+4915112345678")  # Germany: not allowed
        self.add_user(lk, "alice", phone=ALICE)
        self.start_and_challenge(lk, "amelie")
        _, _, body = self.start_and_challenge(lk, "benoit", expect=429)  # a second French number this hour
        self.assert_cannot_send(body)
        _, _, body = self.start_and_challenge(lk, "carl", expect=429)
        self.assert_cannot_send(body)  # the same answer: nothing tells the two apart
        for _ in range(3):
            self.start_and_challenge(lk, "alice")  # the home country is not capped per country
        self.assertEqual(self.refusals(lk), ["per_country", "country_not_allowed"])
        self.assertEqual(self.codes_to(lk, "+4915112345678"), [])

    def test_the_default_allow_list_is_the_home_region(self):
        lk = self.phone_latchkey()
        self.add_user(lk, "amelie", phone="+33612345678")
        _, _, body = self.start_and_challenge(lk, "amelie", expect=429)
        self.assert_cannot_send(body)
        self.assertEqual(self.refusals(lk), ["country_not_allowed"])

    def test_hourly_budget_refuses_and_alerts_the_operator_once(self):
        lk = self.phone_latchkey(sms={"hourly_budget": 2})
        for i, name in enumerate(["u0", "u1", "u2", "u3"]):
            self.add_user(lk, name, phone="+4474001234%02d" % (60 + i))
        self.start_and_challenge(lk, "u0")
        self.start_and_challenge(lk, "u1")
        _, _, body = self.start_and_challenge(lk, "u2", expect=429)
        self.assert_cannot_send(body)
        self.start_and_challenge(lk, "u3", expect=429)
        alerts = self.log_records(lk, "phone.budget_exceeded")
        self.assertEqual(len(alerts), 1, alerts)
        self.assertEqual(alerts[0]["level"], "error")
        self.assertEqual(alerts[0]["record"]["channel"], "sms")
        self.assertEqual(alerts[0]["record"]["budget"], "2")
        self.assertEqual(self.audit(lk, "phone.budget_exceeded"), [("refused", "sms_hourly_budget:2", "system", "sms")])
        self.assertEqual(self.refusals(lk), ["hourly_budget", "hourly_budget"])
        self.assertEqual(len([m for m in lk.outbox() if m["channel"] == "sms"]), 2)


class OfficePhoneCommandTest(PhoneTestCase):
    def test_set_show_replace_clear_and_refuse(self):
        lk = self.phone_latchkey()
        self.add_user(lk, "frank")
        rc, out, err = lk.cli("user", "set-office-phone", "frank", "020 7123 4567")
        self.assertEqual((rc, out.strip()), (0, "office phone of frank set to +44 ******* 67"), err)
        rc, out, _ = lk.cli("user", "show", "frank", "--json")
        methods = json.loads(out)["methods"]
        self.assertEqual([(m["kind"], m["source"], m["hint"]) for m in methods],
                         [("office_phone", "admin", "+44 ******* 67")])
        self.assertNotIn("2071234567", out)
        self.assertEqual(lk.cli("user", "set-office-phone", "frank", "+442071234568")[0], 0)
        self.assertEqual(len(json.loads(lk.cli("user", "show", "frank", "--json")[1])["methods"]), 1)
        rc, out, err = lk.cli("user", "set-office-phone", "frank", "12")
        self.assertEqual(rc, 1)
        self.assertIn("phone", err)
        rc, out, err = lk.cli("user", "set-office-phone", "nobody", "020 7123 4567")
        self.assertEqual(rc, 1, err)
        self.assertEqual(lk.cli("user", "set-office-phone", "frank")[0], 2)  # neither a number nor --clear
        rc, out, _ = lk.cli("user", "set-office-phone", "frank", "--clear")
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(lk.cli("user", "show", "frank", "--json")[1])["methods"], [])


class SmsConfigTest(PhoneTestCase):
    def test_config_check_names_the_keys(self):
        lk = self.latchkey({"sms": {"provider": "carrier-pigeon"},
                            "voice": {"provider": "twilio", "twilio_account_sid": "nope"},
                            "phone": {"allowed_country_codes": ["44x"]}}, start=False)
        rc, out, _ = lk.cli("config", "check")
        self.assertEqual(rc, 1)
        for key in ("sms.provider", "voice.twilio_account_sid", "voice.twilio_auth_token", "voice.from",
                    "phone.allowed_country_codes"):
            self.assertIn(key, out)


if __name__ == "__main__":
    unittest.main()
