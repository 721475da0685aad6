"""Mail delivery through real SMTP servers: down and back, refusing, STARTTLS,
SMTPS and AUTH. Nothing queued is lost across restarts."""
import os
import subprocess
import unittest

from lk import PYTHON, HERE, LatchkeyTestCase, SmtpServer, code_in, free_port, make_self_signed_cert, \
    wait_for_port, wait_until


class DeliveryTest(LatchkeyTestCase):
    def reset_until_code_sent(self, lk, user="alice"):
        _, _, flow = lk.start_flow(user)
        status, _, flow = lk.challenge(flow)
        self.assertEqual(status, 202, flow)
        return flow

    def test_mail_queued_while_the_relay_is_down_is_delivered_once_it_is_back(self):
        port = free_port()
        lk = self.latchkey({"mail": {"smtp_url": "smtp://127.0.0.1:%d" % port}})
        self.add_user(lk, "alice", email="alice@example.net")
        flow = self.reset_until_code_sent(lk)
        # The relay is down: the message waits in the outbox with the reason.
        queued = wait_until(lambda: [m for m in lk.outbox() if m["attempts"] >= 1], what="a failed attempt")
        self.assertEqual(queued[0]["status"], "queued")
        self.assertIn("connect", queued[0]["last_error"].lower())
        # The service restarts meanwhile: nothing is lost.
        lk.stop()
        lk.start()
        mail = SmtpServer(self.tmp, port=port)
        self.addCleanup(mail.stop)
        mail.start()
        message = mail.wait_for_message("alice@example.net")[0]
        self.assertEqual(lk.verify(flow, code_in(message))[0], 200)
        sent = wait_until(lambda: [m for m in lk.outbox() if m["status"] == "sent"], what="sent status")
        self.assertEqual(sent[0]["body"], "")  # the code is wiped once delivered
        self.assertEqual(len(mail.messages()), 1)  # delivered exactly once

    def test_a_permanent_refusal_fails_the_message_without_retrying(self):
        mail = self.smtp(handler="smtp_sink.Rejecting")
        lk = self.latchkey({"mail": {"smtp_url": "smtp://127.0.0.1:%d" % mail.port}})
        self.add_user(lk, "alice", email="alice@example.net")
        self.reset_until_code_sent(lk)
        failed = wait_until(lambda: [m for m in lk.outbox() if m["status"] == "failed"], what="failed status")
        self.assertEqual(failed[0]["attempts"], 1)
        self.assertIn("550", failed[0]["last_error"])
        # The user saw a normal answer: a relay's refusal is never shown to them.

    def test_starttls_is_used_when_offered(self):
        cert, key = make_self_signed_cert(self.tmp)
        mail = self.smtp(tls=(cert, key))
        lk = self.latchkey({"mail": {"smtp_url": "smtp://127.0.0.1:%d" % mail.port, "ca_file": cert}})
        self.add_user(lk, "alice", email="alice@example.net")
        self.reset_until_code_sent(lk)
        message = mail.wait_for_message("alice@example.net")[0]
        self.assertTrue(message["tls"])

    def test_smtps(self):
        cert, key = make_self_signed_cert(self.tmp)
        mail = self.smtp(smtps=(cert, key))
        lk = self.latchkey({"mail": {"smtp_url": "smtps://127.0.0.1:%d" % mail.port, "ca_file": cert}})
        self.add_user(lk, "alice", email="alice@example.net")
        self.reset_until_code_sent(lk)
        message = mail.wait_for_message("alice@example.net")[0]
        self.assertTrue(message["tls"])

    def test_an_untrusted_certificate_is_refused(self):
        cert, key = make_self_signed_cert(self.tmp)
        mail = self.smtp(smtps=(cert, key))
        lk = self.latchkey({"mail": {"smtp_url": "smtps://127.0.0.1:%d" % mail.port}})
        self.add_user(lk, "alice", email="alice@example.net")
        self.reset_until_code_sent(lk)
        queued = wait_until(lambda: [m for m in lk.outbox() if m["attempts"] >= 1], what="an attempt")
        self.assertEqual(queued[0]["status"], "queued")
        self.assertEqual(mail.messages(), [])

    def test_authenticated_relay_over_starttls(self):
        cert, key = make_self_signed_cert(self.tmp)
        port = free_port()
        maildir = os.path.join(self.tmp, "auth-mail")
        server = subprocess.Popen([PYTHON, os.path.join(HERE, "smtp_auth_server.py"), "127.0.0.1", str(port),
                                   cert, key, "relay-user", "relay-secret", maildir],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={"PYTHONPATH": HERE})
        self.addCleanup(lambda: (server.terminate(), server.wait(10), server.stdout.close()))
        self.assertEqual(server.stdout.readline().strip(), b"ready")
        wait_for_port(port)
        secret = os.path.join(self.tmp, "smtp-password")
        with open(secret, "w") as f:
            f.write("relay-secret\n")
        lk = self.latchkey({"mail": {"smtp_url": "smtp://127.0.0.1:%d" % port, "ca_file": cert,
                                     "smtp_username": "relay-user", "smtp_password_file": secret}})
        self.add_user(lk, "alice", email="alice@example.net")
        self.reset_until_code_sent(lk)

        def delivered():
            files = [f for f in os.listdir(maildir) if f.endswith(".json")] if os.path.isdir(maildir) else []
            return files
        wait_until(delivered, what="authenticated delivery")
        import json
        with open(os.path.join(maildir, delivered()[0])) as f:
            record = json.load(f)
        self.assertTrue(record["tls"])
        self.assertEqual(record["login"], "relay-user")
        self.assertNotIn("relay-secret", lk.stderr())

    def test_wrong_relay_password_keeps_the_message_queued(self):
        cert, key = make_self_signed_cert(self.tmp)
        port = free_port()
        maildir = os.path.join(self.tmp, "auth-mail2")
        server = subprocess.Popen([PYTHON, os.path.join(HERE, "smtp_auth_server.py"), "127.0.0.1", str(port),
                                   cert, key, "relay-user", "relay-secret", maildir],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={"PYTHONPATH": HERE})
        self.addCleanup(lambda: (server.terminate(), server.wait(10), server.stdout.close()))
        self.assertEqual(server.stdout.readline().strip(), b"ready")
        lk = self.latchkey({"mail": {"smtp_url": "smtp://127.0.0.1:%d" % port, "ca_file": cert,
                                     "smtp_username": "relay-user", "smtp_password": "wrong"}})
        self.add_user(lk, "alice", email="alice@example.net")
        self.reset_until_code_sent(lk)
        queued = wait_until(lambda: [m for m in lk.outbox() if m["attempts"] >= 1], what="an attempt")
        self.assertEqual(queued[0]["status"], "queued")  # fixing the password will deliver it
        self.assertNotIn("wrong", queued[0]["last_error"])


class DevOutboxTest(LatchkeyTestCase):
    def test_without_a_relay_messages_stay_in_the_outbox(self):
        lk = self.latchkey()
        self.add_user(lk, "alice", email="alice@example.net")
        self.add_user(lk, "bob", email="bob@example.net")
        for user in ("alice", "bob"):
            _, _, flow = lk.start_flow(user)
            lk.challenge(flow)
        everything = lk.outbox()
        self.assertEqual([m["status"] for m in everything], ["dev", "dev"])
        self.assertEqual(everything[0]["to"], "bob@example.net")  # newest first
        only_alice = lk.outbox(to="ALICE@example.net")
        self.assertEqual(len(only_alice), 1)
        self.assertRegex(only_alice[0]["body"], r"code is: \d{6}")
        rc, text, _ = lk.cli("outbox", "list")
        self.assertEqual(rc, 0)
        self.assertIn("Your verification code is", text)


if __name__ == "__main__":
    unittest.main()
