"""Password writeback to Active Directory, against Samba 4.17 as a real AD domain
controller: provisioned by the test into a temporary directory (`samba-tool domain
provision`), run in the foreground on its own loopback address with LDAPS, and a
service account holding only the delegated rights docs/directories.md lists. Every
reset is proven with a real LDAPS bind: the new password works, the old one fails."""
import json
import os
import re
import shutil
import tempfile
import time
import unittest

from directory_servers import SambaDC
from lk import LatchkeyTestCase

LEAKS = re.compile(r"CN=|DC=|0000052D|Constraint|check_password_restrictions|LDAP", re.IGNORECASE)
HAVE_SAMBA = shutil.which("samba") is not None and shutil.which("samba-tool") is not None


@unittest.skipUnless(HAVE_SAMBA, "samba (samba-ad-dc) is not installed")
class ActiveDirectoryTest(LatchkeyTestCase):
    @classmethod
    def setUpClass(cls):
        # One domain controller for the class (provisioning takes seconds); each test
        # uses its own users.
        cls.samba_dir = tempfile.mkdtemp(prefix="latchkey-samba-")
        try:
            cls.dc = SambaDC(cls.samba_dir).provision()
            cls.dc.start()
        except BaseException:
            if getattr(cls, "dc", None):
                cls.dc.stop()
            shutil.rmtree(cls.samba_dir, True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.dc.stop()
        shutil.rmtree(cls.samba_dir, True)

    def setUp(self):
        super().setUp()
        self.lk = self.latchkey(self.config(), start=False)
        rc, _, err = self.lk.cli("migrate")
        self.assertEqual(rc, 0, err)

    def config(self, **directory):
        d = {"kind": "ad", "url": self.dc.url, "bind_dn": self.dc.service_dn,
             "bind_password_file": self.dc.service_password_file,
             "base_dn": "CN=Users," + self.dc.BASE, "ca_file": self.dc.cert,
             "connect_timeout_ms": 3000, "operation_timeout_ms": 5000}
        d.update(directory)
        return {"directory": d, "password": {"min_length": 8, "min_strength": 0, "history": 0}}

    def verified_flow(self, user, email):
        status, _, flow = self.lk.start_flow(user)
        self.assertEqual(status, 201, flow)
        self.assertEqual(self.lk.challenge(flow)[0], 202)
        code = re.search(r"code is: (\d{6})", self.lk.outbox(to=email)[0]["body"]).group(1)
        status, _, flow2 = self.lk.verify(flow, code)
        self.assertEqual((status, flow2["state"]), (200, "set_password"), flow2)
        return flow

    def diag(self, name, stdin=None, *flags):
        return self.lk.cli("diag", "directory", name, *flags, input=stdin)

    def assert_readable(self, error):
        self.assertFalse(LEAKS.search(error["message"]), error["message"])
        for v in error.get("violations", []):
            self.assertFalse(LEAKS.search(v["message"]), v["message"])

    # -- tests -----------------------------------------------------------------------
    def test_reset_over_ldaps_through_the_flow(self):
        dn = self.dc.add_user("carol", "Carol-First-Pw-1")
        self.add_user(self.lk, "carol", email="carol@example.net")
        self.lk.start()
        self.assertEqual(self.lk.request("GET", "/readyz")[0], 200)
        flow = self.verified_flow("carol", "carol@example.net")
        t0 = time.monotonic()
        status, _, done = self.lk.complete(flow, "Winter-Lake-Road-22")
        elapsed = time.monotonic() - t0
        self.assertEqual((status, done["state"]), (200, "done"), done)
        print("\nAD reset (POST complete, LDAPS pool): %.1f ms" % (elapsed * 1000))
        self.assertTrue(self.dc.binds(dn, "Winter-Lake-Road-22"))
        self.assertFalse(self.dc.binds(dn, "Carol-First-Pw-1"))
        # A self-service reset: the user chose it, so no "must change at next logon".
        self.assertNotEqual(self.dc.attrs(dn, "pwdLastSet")["pwdLastSet"], ["0"])

    def test_complexity_length_and_history_refusals_are_mapped(self):
        dn = self.dc.add_user("dave", "Dave-First-Pw-1")
        self.add_user(self.lk, "dave", email="dave@example.net")
        self.lk.start()
        flow = self.verified_flow("dave", "dave@example.net")
        for password, rule in (("alllowercaseletters", "directory_quality"),  # complexity
                               ("Short-Pw1", "directory_too_short")):        # 9 < minPwdLength 10
            status, _, body = self.lk.complete(flow, password)
            self.assertEqual(status, 422, body)
            err = body["error"]
            self.assertEqual((err["code"], err["field"]), ("password_rejected", "new_password"))
            self.assertEqual([v["rule"] for v in err["violations"]], [rule], err)
            self.assert_readable(err)
        self.assertIn("at least 10 characters", body["error"]["message"])
        self.assertEqual(self.lk.request("GET", "/api/v1/flows/" + flow["id"])[2]["state"], "set_password")
        self.assertTrue(self.dc.binds(dn, "Dave-First-Pw-1"))
        # History applies to changes as the user (Samba applies none to resets: it
        # has no LDAP_SERVER_POLICY_HINTS; Windows DCs do, see docs/directories.md).
        rc, out, err = self.diag("dave", "Dave-First-Pw-1\nDave-Second-Pw-2\n", "--change")
        self.assertEqual(rc, 0, out + err)
        rc, out, err = self.diag("dave", "Dave-Second-Pw-2\nDave-First-Pw-1\n", "--change")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("directory_history: You have used this password before", out)
        self.assertIn("0000052D", err)  # the raw refusal is for the operator's log only
        self.assertTrue(self.dc.binds(dn, "Dave-Second-Pw-2"))

    def test_change_as_the_user(self):
        dn = self.dc.add_user("erin", "Erin-First-Pw-1")
        rc, out, err = self.diag("erin", "Erin-First-Pw-1\nErin-Changed-Pw-2\n", "--change")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("change:           ok", out)
        self.assertTrue(self.dc.binds(dn, "Erin-Changed-Pw-2"))
        self.assertFalse(self.dc.binds(dn, "Erin-First-Pw-1"))
        rc, out, _ = self.diag("erin", "Not-Her-Password-9\nErin-Other-Pw-3\n", "--change")
        self.assertEqual(rc, 1)
        self.assertIn("wrong_password", out)
        self.assertTrue(self.dc.binds(dn, "Erin-Changed-Pw-2"))

    def test_lockout_is_cleared_by_unlock(self):
        dn = self.dc.add_user("frank", "Frank-First-Pw-1")
        self.add_user(self.lk, "frank", email="frank@example.net")
        for _ in range(3):
            self.assertFalse(self.dc.binds(dn, "Wrong-Password-0"))
        self.assertFalse(self.dc.binds(dn, "Frank-First-Pw-1"))  # locked out
        rc, out, _ = self.diag("frank", "Frank-First-Pw-1\n", "--verify")
        self.assertEqual(rc, 1, out)
        self.assertIn("locked:           yes", out)
        self.assertIn("verify:           account_locked", out)
        rc, out, err = self.lk.cli("user", "unlock", "frank")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.dc.attrs(dn, "lockoutTime")["lockoutTime"], ["0"])
        self.assertTrue(self.dc.binds(dn, "Frank-First-Pw-1"))
        rc, out, _ = self.diag("frank", "Frank-First-Pw-1\n", "--verify")
        self.assertEqual(rc, 0, out)
        self.assertIn("locked:           no", out)

    def test_a_reset_also_clears_the_lockout(self):
        dn = self.dc.add_user("gina", "Gina-First-Pw-1")
        self.add_user(self.lk, "gina", email="gina@example.net")
        for _ in range(3):
            self.dc.binds(dn, "Wrong-Password-0")
        self.assertNotEqual(self.dc.attrs(dn, "lockoutTime").get("lockoutTime", ["0"]), ["0"])
        self.lk.start()
        flow = self.verified_flow("gina", "gina@example.net")
        self.assertEqual(self.lk.complete(flow, "Second-Maple-Pw-2")[0], 200)
        self.assertTrue(self.dc.binds(dn, "Second-Maple-Pw-2"))
        self.assertEqual(self.dc.attrs(dn, "lockoutTime")["lockoutTime"], ["0"])

    def test_helpdesk_reset_makes_the_user_change_at_next_logon(self):
        dn = self.dc.add_user("hank", "Hank-First-Pw-1")
        self.add_user(self.lk, "hank", email="hank@example.net")
        rc, out, err = self.lk.cli("user", "reset-password", "hank", input="Helpdesk-Set-Pw-7\n")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("must change at next sign-in: yes", out)
        self.assertEqual(self.dc.attrs(dn, "pwdLastSet")["pwdLastSet"], ["0"])
        rc, out, _ = self.diag("hank", "Helpdesk-Set-Pw-7\n", "--verify")
        self.assertIn("verify:           password_must_change", out)
        # The user cannot bind with it, yet may change it: the change itself proves it.
        rc, out, err = self.diag("hank", "Helpdesk-Set-Pw-7\nHank-Own-Choice-8\n", "--change")
        self.assertEqual(rc, 0, out + err)
        self.assertTrue(self.dc.binds(dn, "Hank-Own-Choice-8"))
        self.assertNotEqual(self.dc.attrs(dn, "pwdLastSet")["pwdLastSet"], ["0"])

    def test_disabled_account_cannot_reset_and_sync_marks_it(self):
        dn = self.dc.add_user("ivy", "Ivy-First-Pw-11", mail="ivy@example.net")
        self.dc.tool("user", "disable", "ivy")
        self.add_user(self.lk, "ivy", email="ivy.personal@example.net")
        self.lk.start()
        flow = self.verified_flow("ivy", "ivy.personal@example.net")
        status, _, body = self.lk.complete(flow, "Ivy-Second-Pw-22")
        self.assertEqual(status, 403, body)
        self.assertEqual(body["error"]["code"], "account_disabled")
        self.assert_readable(body["error"])
        self.lk.stop()
        self.dc.tool("user", "enable", "ivy")
        self.assertTrue(self.dc.binds(dn, "Ivy-First-Pw-11"))  # nothing was written
        self.dc.tool("user", "disable", "ivy")
        rc, out, err = self.lk.cli("user", "sync")
        self.assertEqual(rc, 0, out + err)
        users = {u["username"]: u for u in json.loads(self.lk.cli("user", "list", "--json")[1])}
        self.assertEqual(users["ivy"]["status"], "disabled")
        self.assertEqual(users["krbtgt"]["status"], "disabled")
        self.assertEqual(users["Administrator"]["status"], "active")
        mail = [m for m in users["ivy"]["methods"] if m["source"] == "directory"]
        self.assertEqual([(m["kind"], m["state"]) for m in mail], [("email", "pending")])


if __name__ == "__main__":
    unittest.main()
