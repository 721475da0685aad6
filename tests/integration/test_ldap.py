"""Password writeback to OpenLDAP: a real slapd 2.5 with the ppolicy overlay and StartTLS,
started by each test in a temporary directory on a loopback port, and the real
`latchkey serve` / CLI in front of it. Every reset is proven with a real bind
(ldapwhoami): the new password works and the old one no longer does."""
import json
import os
import re
import shutil
import tempfile
import time
import unittest

from directory_servers import PEOPLE, SERVICE_DN, Slapd
from lk import LatchkeyTestCase

LEAKS = re.compile(r"uid=|dc=|ou=|cn=|ppolicy|Constraint|LDAP|code \d", re.IGNORECASE)


@unittest.skipUnless(shutil.which("slapd") or os.path.exists("/usr/sbin/slapd"), "slapd is not installed")
class LdapDirectoryTest(LatchkeyTestCase):
    def setUp(self):
        super().setUp()
        d = tempfile.mkdtemp(prefix="latchkey-slapd-")
        self.addCleanup(shutil.rmtree, d, True)
        self.slapd = Slapd(d)
        self.slapd.add_user("alice", "first-Tulip-71", mail="alice@example.net",
                            mobile="+44 7911 123456")
        self.slapd.add_user("bob", "first-Maple-22", mail="bob@example.net")
        # Olive's policy expires passwords after a day; hers was set in 2000.
        self.slapd.add_user("olive", "first-Cedar-93", extra=(
            "pwdPolicySubentry: cn=expiring,ou=policies,dc=example,dc=test",
            "pwdChangedTime: 20000101000000Z"))
        # Dora is disabled by an administrator (ppolicy's permanent lock).
        self.slapd.add_user("dora", "first-Birch-44", mail="dora@example.net",
                            extra=("pwdAccountLockedTime: 000001010000Z",))
        self.addCleanup(self.slapd.stop)
        self.slapd.start()
        self.lk = self.latchkey(self.config(), start=False)
        rc, _, err = self.lk.cli("migrate")
        self.assertEqual(rc, 0, err)

    def config(self, **directory):
        d = {"kind": "ldap", "url": self.slapd.url, "bind_dn": SERVICE_DN,
             "bind_password_file": self.slapd.service_password_file, "base_dn": PEOPLE,
             "ca_file": self.slapd.cert, "connect_timeout_ms": 2000, "operation_timeout_ms": 2000}
        d.update(directory)
        # Latchkey's own policy stays out of the way, so that the directory's answers
        # are what the tests see (Latchkey runs first, the directory decides).
        return {"directory": d,
                "password": {"min_length": 8, "min_strength": 0, "history": 0}}

    # -- helpers ---------------------------------------------------------------------
    def verified_flow(self, user, email):
        status, _, flow = self.lk.start_flow(user)
        self.assertEqual(status, 201, flow)
        self.assertEqual(self.lk.challenge(flow)[0], 202)
        body = self.lk.outbox(to=email)[0]["body"]
        code = re.search(r"code is: (\d{6})", body).group(1)
        status, _, flow2 = self.lk.verify(flow, code)
        self.assertEqual((status, flow2["state"]), (200, "set_password"), flow2)
        return flow

    def flow_state(self, flow):
        return self.lk.request("GET", "/api/v1/flows/" + flow["id"])[2]["state"]

    def diag(self, name, stdin=None, *flags):
        return self.lk.cli("diag", "directory", name, *flags, input=stdin)

    def assert_readable(self, error):
        """A refusal people can act on: no DN, no LDAP text."""
        self.assertFalse(LEAKS.search(error["message"]), error["message"])
        for v in error.get("violations", []):
            self.assertFalse(LEAKS.search(v["message"]), v["message"])

    # -- tests -----------------------------------------------------------------------
    def test_reset_through_the_flow_is_written_to_the_directory(self):
        self.add_user(self.lk, "alice", email="alice@example.net")
        self.lk.start()
        status, _, ready = self.lk.request("GET", "/readyz")
        self.assertEqual(status, 200, ready)
        flow = self.verified_flow("alice", "alice@example.net")
        t0 = time.monotonic()
        status, _, done = self.lk.complete(flow, "second-Tulip-72")
        elapsed = time.monotonic() - t0
        self.assertEqual((status, done["state"]), (200, "done"), done)
        print("\nLDAP reset (POST complete, StartTLS pool): %.1f ms" % (elapsed * 1000))
        self.assertEqual(self.slapd.whoami("alice", "second-Tulip-72"), 0)
        self.assertNotEqual(self.slapd.whoami("alice", "first-Tulip-71"), 0)
        # The notification went out only after the directory confirmed.
        self.assertTrue(any(m["template"] == "password_changed" for m in self.lk.outbox(to="alice@example.net")))
        # A self-service reset leaves no "must change" behind.
        self.assertNotIn("pwdReset", self.slapd.read("alice", "pwdReset"))

    def test_history_quality_and_length_refusals_are_readable_and_the_flow_goes_on(self):
        self.add_user(self.lk, "alice", email="alice@example.net")
        self.lk.start()
        flow = self.verified_flow("alice", "alice@example.net")
        cases = [("first-Tulip-71", "directory_history"),          # her current password
                 ("Correct-Horse-Battery", "directory_quality"),    # the quality module: no digit
                 ("short-pw9", "directory_too_short")]              # 9 < pwdMinLength 10
        for password, rule in cases:
            status, _, body = self.lk.complete(flow, password)
            self.assertEqual(status, 422, body)
            err = body["error"]
            self.assertEqual(err["code"], "password_rejected")
            self.assertEqual(err["field"], "new_password")
            self.assertEqual([v["rule"] for v in err["violations"]], [rule], err)
            self.assert_readable(err)
            self.assertEqual(self.flow_state(flow), "set_password")
        self.assertIn("used this password before", self.lk.complete(flow, "first-Tulip-71")[2]["error"]["message"])
        # Nothing was written by the refusals; then another password is accepted.
        self.assertEqual(self.slapd.whoami("alice", "first-Tulip-71"), 0)
        status, _, done = self.lk.complete(flow, "second-Tulip-72")
        self.assertEqual(status, 200, done)
        self.assertEqual(self.slapd.whoami("alice", "second-Tulip-72"), 0)
        self.assertNotEqual(self.slapd.whoami("alice", "first-Tulip-71"), 0)
        # The raw refusal is in the server log, with the DN, for the operator.
        log = self.lk.stderr()
        self.assertIn("uid=alice,ou=people,dc=example,dc=test", log)
        self.assertIn("ppolicy error 8", log)

    def test_change_as_the_user_and_history_on_change(self):
        rc, out, err = self.diag("alice", "first-Tulip-71\nchanged-Tulip-75\n", "--change")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("change:           ok", out)
        self.assertEqual(self.slapd.whoami("alice", "changed-Tulip-75"), 0)
        self.assertNotEqual(self.slapd.whoami("alice", "first-Tulip-71"), 0)
        # Wrong old password: refused as such, nothing changed.
        rc, out, _ = self.diag("alice", "not-her-password\nother-Tulip-76\n", "--change")
        self.assertEqual(rc, 1)
        self.assertIn("wrong_password", out)
        self.assertEqual(self.slapd.whoami("alice", "changed-Tulip-75"), 0)
        # Back to a password in her history: the directory's rule, readable.
        rc, out, _ = self.diag("alice", "changed-Tulip-75\nfirst-Tulip-71\n", "--change")
        self.assertEqual(rc, 1)
        self.assertIn("directory_history: You have used this password before", out)
        self.assertEqual(self.slapd.whoami("alice", "changed-Tulip-75"), 0)

    def test_three_bad_binds_lock_and_unlock_clears(self):
        self.add_user(self.lk, "bob", email="bob@example.net")
        for _ in range(3):
            self.assertNotEqual(self.slapd.whoami("bob", "wrong-password"), 0)
        self.assertIn("pwdAccountLockedTime", self.slapd.read("bob", "pwdAccountLockedTime"))
        # Locked: even the right password is refused, and Latchkey says so.
        self.assertNotEqual(self.slapd.whoami("bob", "first-Maple-22"), 0)
        rc, out, _ = self.diag("bob", "first-Maple-22\n", "--verify")
        self.assertEqual(rc, 1)
        self.assertIn("verify:           account_locked", out)
        self.assertIn("locked:           yes", out)
        self.assertRegex(out, r"failed attempts:  3")
        rc, out, err = self.lk.cli("user", "unlock", "bob")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.slapd.read("bob", "pwdAccountLockedTime", "pwdFailureTime"), {})
        self.assertEqual(self.slapd.whoami("bob", "first-Maple-22"), 0)
        rc, out, _ = self.diag("bob", "first-Maple-22\n", "--verify")
        self.assertEqual(rc, 0, out)
        # Unlocking an account that is not locked is fine (idempotent).
        self.assertEqual(self.lk.cli("user", "unlock", "bob")[0], 0)

    def test_a_reset_also_unlocks(self):
        self.add_user(self.lk, "bob", email="bob@example.net")
        for _ in range(3):
            self.slapd.whoami("bob", "wrong-password")
        self.assertIn("pwdAccountLockedTime", self.slapd.read("bob", "pwdAccountLockedTime"))
        self.lk.start()
        flow = self.verified_flow("bob", "bob@example.net")
        self.assertEqual(self.lk.complete(flow, "second-Maple-33")[0], 200)
        self.assertEqual(self.slapd.read("bob", "pwdAccountLockedTime"), {})
        self.assertEqual(self.slapd.whoami("bob", "second-Maple-33"), 0)

    def test_expired_password_and_must_change_at_sign_in(self):
        rc, out, _ = self.diag("olive", "first-Cedar-93\n", "--verify")
        self.assertEqual(rc, 1, out)
        self.assertIn("verify:           password_expired", out)
        # A wrong password is only wrong, even on an expired account.
        rc, out, _ = self.diag("olive", "not-the-password\n", "--verify")
        self.assertIn("verify:           wrong_password", out)
        # A helpdesk reset: the user must change it at next sign-in.
        self.add_user(self.lk, "bob", email="bob@example.net")
        rc, out, err = self.lk.cli("user", "reset-password", "bob", input="helpdesk-set-pw7\n")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("must change at next sign-in: yes", out)
        self.assertEqual(self.slapd.read("bob", "pwdReset"), {"pwdReset": ["TRUE"]})
        rc, out, _ = self.diag("bob", "helpdesk-set-pw7\n", "--verify")
        self.assertIn("verify:           password_must_change", out)
        # The change as the user clears it.
        rc, out, _ = self.diag("bob", "helpdesk-set-pw7\nown-choice-Fir8\n", "--change")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("pwdReset", self.slapd.read("bob", "pwdReset"))
        rc, out, _ = self.diag("bob", "own-choice-Fir8\n", "--verify")
        self.assertEqual(rc, 0, out)

    def test_disabled_directory_account_cannot_reset(self):
        self.add_user(self.lk, "dora", email="dora@example.net")
        self.lk.start()
        flow = self.verified_flow("dora", "dora@example.net")
        status, _, body = self.lk.complete(flow, "second-Birch-45")
        self.assertEqual(status, 403, body)
        self.assertEqual(body["error"]["code"], "account_disabled")
        self.assert_readable(body["error"])
        self.assertEqual(self.flow_state(flow), "set_password")
        self.assertEqual(self.slapd.read("dora", "pwdAccountLockedTime"),
                         {"pwdAccountLockedTime": ["000001010000Z"]})
        # The administrator's lock is not an ordinary lockout: unlock leaves it.
        self.assertEqual(self.lk.cli("user", "unlock", "dora")[0], 0)
        self.assertEqual(self.slapd.read("dora", "pwdAccountLockedTime"),
                         {"pwdAccountLockedTime": ["000001010000Z"]})

    def test_server_stopped_mid_flow_then_restarted(self):
        self.add_user(self.lk, "alice", email="alice@example.net")
        self.lk.start()
        flow = self.verified_flow("alice", "alice@example.net")
        self.assertEqual(self.lk.request("GET", "/readyz")[0], 200)  # the pool has a connection now
        self.slapd.stop()
        status, _, body = self.lk.complete(flow, "second-Tulip-72")
        self.assertEqual(status, 503, body)
        self.assertEqual(body["error"]["code"], "directory_unavailable")
        self.assertIn("try again", body["error"]["message"])
        self.assert_readable(body["error"])
        self.assertEqual(self.flow_state(flow), "set_password")
        self.assertFalse(any(m["template"] == "password_changed" for m in self.lk.outbox(to="alice@example.net")))
        self.assertEqual(self.lk.request("GET", "/readyz")[0], 503)
        # A hung server (accepts, never answers) is cut off by the timeouts.
        self.slapd.start()
        self.slapd.pause()
        try:
            status, _, body = self.lk.complete(flow, "second-Tulip-72")
            self.assertEqual(status, 503, body)
        finally:
            self.slapd.resume()
        self.assertEqual(self.slapd.whoami("alice", "first-Tulip-71"), 0)
        # Back again: the same completion now goes through.
        status, _, done = self.lk.complete(flow, "second-Tulip-72")
        self.assertEqual(status, 200, done)
        self.assertEqual(self.lk.request("GET", "/readyz")[0], 200)
        self.assertEqual(self.slapd.whoami("alice", "second-Tulip-72"), 0)
        self.assertNotEqual(self.slapd.whoami("alice", "first-Tulip-71"), 0)

    def test_username_injection_cannot_widen_the_filter(self):
        for name in ("*", "*)(uid=*", "alice)(|(uid=*", "al*"):
            rc, out, err = self.diag(name)
            self.assertEqual(rc, 1, out + err)
            self.assertIn("found:            no", out)
        rc, out, _ = self.diag("alice")
        self.assertIn("found:            yes", out)
        # An account whose name is an injection attempt resets nobody's password.
        self.add_user(self.lk, "*)(uid=*", email="mallory@example.net")
        self.lk.start()
        flow = self.verified_flow("*)(uid=*", "mallory@example.net")
        status, _, body = self.lk.complete(flow, "owned-by-them-1")
        self.assertEqual(status, 403, body)
        self.assertEqual(body["error"]["code"], "directory_account_missing")
        for uid, pw in (("alice", "first-Tulip-71"), ("bob", "first-Maple-22")):
            self.assertEqual(self.slapd.whoami(uid, pw), 0)
            self.assertNotEqual(self.slapd.whoami(uid, "owned-by-them-1"), 0)

    def test_sync_imports_accounts_and_candidate_contact_data(self):
        # Two entries per page, so that paging is exercised over four people.
        self.lk.write_config(self.config(page_size=2))
        rc, out, err = self.lk.cli("user", "sync", "--dry-run")
        self.assertEqual(rc, 0, err)
        self.assertIn("dry run: would create 4, update 0, disable 0; unchanged 0", out)
        self.assertEqual(json.loads(self.lk.cli("user", "list", "--json")[1]), [])
        rc, out, err = self.lk.cli("user", "sync")
        self.assertEqual(rc, 0, err)
        self.assertIn("created 4, updated 0, disabled 0; unchanged 0", out)
        users = {u["username"]: u for u in json.loads(self.lk.cli("user", "list", "--json")[1])}
        self.assertEqual(sorted(users), ["alice", "bob", "dora", "olive"])
        self.assertEqual(users["alice"]["display_name"], "Alice Example")
        self.assertEqual(users["dora"]["status"], "disabled")
        self.assertEqual(users["alice"]["status"], "active")
        # Mail and mobile are candidates only: pending, from the directory, no gate.
        methods = {m["kind"]: m for m in users["alice"]["methods"]}
        self.assertEqual(set(methods), {"email", "sms"})
        for m in methods.values():
            self.assertEqual((m["state"], m["source"]), ("pending", "directory"))
        self.assertFalse(users["alice"]["registered"])
        # A reset flow for alice therefore has no real gate (a phantom flow), and no
        # code goes to the directory's address.
        self.lk.start()
        status, _, flow = self.lk.start_flow("alice")
        self.assertEqual(status, 201)
        self.lk.challenge(flow)
        self.assertEqual(self.lk.outbox(to="alice@example.net"), [])
        self.lk.stop()
        # A second sync changes nothing; a change in the directory is picked up.
        rc, out, _ = self.lk.cli("user", "sync")
        self.assertIn("created 0, updated 0, disabled 0; unchanged 4", out)
        self.slapd.modify("dn: uid=bob,%s\nchangetype: modify\nreplace: displayName\n"
                          "displayName: Robert Example\n-\nreplace: mail\nmail: robert@example.net\n-\n"
                          "\ndn: uid=olive,%s\nchangetype: modify\nreplace: pwdAccountLockedTime\n"
                          "pwdAccountLockedTime: 000001010000Z\n-\n" % (PEOPLE, PEOPLE))
        rc, out, _ = self.lk.cli("user", "sync")
        self.assertIn("created 0, updated 1, disabled 1; unchanged 2", out)
        users = {u["username"]: u for u in json.loads(self.lk.cli("user", "list", "--json")[1])}
        self.assertEqual(users["bob"]["display_name"], "Robert Example")
        self.assertEqual([m["hint"][:2] for m in users["bob"]["methods"]], ["ro"])  # the old candidate is gone
        self.assertEqual(users["olive"]["status"], "disabled")

    def test_config_check_names_the_directory_keys(self):
        self.lk.write_config({"directory": {"kind": "ad", "url": "ldap://127.0.0.1:1",
                                            "start_tls": False, "user_filter": "uid={username}"}})
        rc, out, _ = self.lk.cli("config", "check")
        self.assertEqual(rc, 1)
        for key in ("directory.start_tls", "directory.base_dn", "directory.bind_dn",
                    "directory.user_filter"):
            self.assertIn("error: " + key, out)
        # The service account's bind refused: unavailable, and the log says why.
        self.lk.write_config(self.config(bind_dn="cn=nobody,ou=services,dc=example,dc=test"))
        rc, out, err = self.diag("alice")
        self.assertEqual(rc, 3, out + err)
        self.assertIn("service bind", err)


if __name__ == "__main__":
    unittest.main()
