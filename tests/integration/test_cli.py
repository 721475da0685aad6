"""The `latchkey` command line: accounts, import, outbox, configuration, exit codes."""
import json
import os
import sqlite3
import subprocess
import threading
import time
import unittest

from lk import BIN, Latchkey, LatchkeyTestCase


class CliTest(LatchkeyTestCase):
    def setUp(self):
        super().setUp()
        self.lk = self.latchkey(start=False)
        rc, out, err = self.lk.cli("migrate")
        self.assertEqual(rc, 0, err)
        self.assertIn("schema at version", out)

    def write(self, name, text):
        path = os.path.join(self.lk.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_user_add_show_list(self):
        rc, out, err = self.lk.cli("user", "add", "alice", "--email", "alice.smith@example.net",
                                   "--phone", "+44 7400 123456", "--display-name", "Alice Smith")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.lk.cli("user", "show", "ALICE")
        self.assertEqual(rc, 0, err)
        self.assertIn("Alice Smith", out)
        self.assertIn("al*****@e****.net", out)
        self.assertIn("+44 ******* 56", out)
        self.assertNotIn("alice.smith@example.net", out)  # masked, even for the admin view
        self.assertNotIn("7400 123456", out)
        shown = json.loads(self.lk.cli("user", "show", "alice", "--json")[1])
        self.assertEqual(shown["status"], "active")
        self.assertTrue(shown["registered"])
        self.assertFalse(shown["password_set"])
        self.assertEqual(sorted(m["kind"] for m in shown["methods"]), ["email", "sms"])
        rc, out, _ = self.lk.cli("user", "list")
        self.assertEqual(rc, 0)
        row = [line.split("\t") for line in out.splitlines() if line.startswith("alice\t")][0]
        self.assertEqual(row[:3], ["alice", "active", "yes"])
        self.assertEqual(sorted(row[3].split(",")), ["email", "sms"])
        self.assertEqual(row[4], "Alice Smith")

    def test_user_add_rejects_bad_input_with_exit_1(self):
        self.assertEqual(self.lk.cli("user", "add", "bob")[0], 0)
        rc, _, err = self.lk.cli("user", "add", "BOB")
        self.assertEqual(rc, 1)
        self.assertIn("already exists", err)
        rc, _, err = self.lk.cli("user", "add", "carol", "--email", "not-an-address")
        self.assertEqual(rc, 1)
        self.assertIn("email", err)
        rc, _, err = self.lk.cli("user", "add", "carol", "--phone", "12345")
        self.assertEqual(rc, 1)
        self.assertIn("phone", err)
        rc, _, err = self.lk.cli("user", "add", "carol", "--password-stdin", input="short\n")
        self.assertEqual(rc, 1)
        self.assertIn("at least 12", err)
        rc, _, err = self.lk.cli("user", "add", "has space")
        self.assertEqual(rc, 1)
        rc, _, _ = self.lk.cli("user", "show", "carol")
        self.assertEqual(rc, 1)  # nothing was written by the failed attempts

    def test_import_reports_row_numbered_errors_and_writes_only_good_rows(self):
        path = self.write("users.csv",
                          "username,display_name,email,phone\r\n"
                          "alice,\"Smith, Alice\",alice@example.net,+447400123456\r\n"
                          "bob,Bob,not-an-email,\r\n"
                          "carol,Carol,carol@example.net,+44 123\r\n"
                          "dave,Dave,dave@example.net,\r\n"
                          "ALICE,Again,,\r\n"
                          "erin,Erin\r\n")
        rc, out, err = self.lk.cli("user", "import", path)
        self.assertEqual(rc, 1)
        self.assertIn("line 3: email:", err)
        self.assertIn("line 4: phone:", err)
        self.assertIn("line 6: username: appears earlier", err)
        self.assertIn("line 7: has 2 fields", err)
        self.assertIn("created 2, updated 0, unchanged 0, rejected 4", out)
        listed = json.loads(self.lk.cli("user", "list", "--json")[1])
        self.assertEqual(sorted(u["username"] for u in listed), ["alice", "dave"])
        self.assertEqual(listed[0]["display_name"], "Smith, Alice")

    def test_import_updates_existing_accounts_and_is_idempotent(self):
        path = self.write("a.csv", "username,email\nalice,alice@example.net\n")
        self.assertEqual(self.lk.cli("user", "import", path)[0], 0)
        path2 = self.write("b.csv", "email,display_name,username\nalice@example.net,Alice A,alice\n")
        rc, out, _ = self.lk.cli("user", "import", path2)
        self.assertEqual(rc, 0)
        self.assertIn("updated 1", out)
        rc, out, _ = self.lk.cli("user", "import", path2)
        self.assertIn("unchanged 1", out)
        shown = json.loads(self.lk.cli("user", "show", "alice", "--json")[1])
        self.assertEqual(len(shown["methods"]), 1)  # the same address is not added twice

    def test_import_dry_run_writes_nothing(self):
        path = self.write("a.csv", "username,email\nalice,alice@example.net\nbob,bad\n")
        rc, out, err = self.lk.cli("user", "import", "--dry-run", path)
        self.assertEqual(rc, 1)
        self.assertIn("dry run: 1 valid, 1 rejected", out)
        self.assertEqual(json.loads(self.lk.cli("user", "list", "--json")[1]), [])

    def test_import_rejects_a_bad_header(self):
        path = self.write("a.csv", "username,mail\nalice,a@example.net\n")
        rc, _, err = self.lk.cli("user", "import", path)
        self.assertEqual(rc, 1)
        self.assertIn("unknown column \"mail\"", err)
        path = self.write("b.csv", "display_name\nAlice\n")
        self.assertIn("no \"username\" column", self.lk.cli("user", "import", path)[2])
        path = self.write("c.csv", "username\n\"alice\n")
        rc, _, err = self.lk.cli("user", "import", path)
        self.assertEqual(rc, 1)
        self.assertIn("line 2", err)

    def test_usage_errors_exit_2(self):
        p = subprocess.run([BIN, "user", "add"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        p = subprocess.run([BIN, "frobnicate"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        p = subprocess.run([BIN, "--config", "/nonexistent.toml", "migrate"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)

    def test_a_missing_database_exits_3(self):
        lk = Latchkey(directory=os.path.join(self.tmp, "fresh"))
        os.makedirs(lk.dir, exist_ok=True)
        lk.write_config({})
        rc, _, err = lk.cli("user", "list")
        self.assertEqual(rc, 3)
        self.assertIn("latchkey migrate", err)

    def test_a_locked_database_exits_3_and_loses_nothing(self):
        lk = Latchkey(directory=os.path.join(self.tmp, "locked"), config={"store": {"busy_timeout_ms": 300}})
        os.makedirs(lk.dir, exist_ok=True)
        lk.write_config({"store": {"busy_timeout_ms": 300}})
        self.assertEqual(lk.cli("migrate")[0], 0)
        db = sqlite3.connect(os.path.join(lk.dir, "var", "latchkey.db"), isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        rc, _, err = lk.cli("user", "add", "alice")
        self.assertEqual(rc, 3, err)
        db.execute("ROLLBACK")
        db.close()
        self.assertEqual(lk.cli("user", "add", "alice")[0], 0)


class ConfigCheckTest(LatchkeyTestCase):
    def run_check(self, text=None, env=None):
        args = [BIN]
        if text is not None:
            path = os.path.join(self.tmp, "c.toml")
            with open(path, "w") as f:
                f.write(text)
            args += ["--config", path]
        e = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        e.update(env or {})
        p = subprocess.run(args + ["config", "check"], capture_output=True, text=True, env=e, cwd=self.tmp)
        return p.returncode, p.stdout

    def test_defaults_are_ok_with_warnings(self):
        rc, out = self.run_check()
        self.assertEqual(rc, 0)
        self.assertIn("warning: mail.smtp_url", out)
        self.assertIn("ok: built-in defaults", out)

    def test_every_problem_is_printed_with_its_key(self):
        rc, out = self.run_check('[server]\nlisten = "nope"\ntypo = 1\n[store]\nurl = "mysql://x"\n'
                                 '[password]\nmin_length = "twelve"\n')
        self.assertEqual(rc, 1)
        for key in ("server.listen", "server.typo", "store.url", "password.min_length"):
            self.assertIn("error: " + key, out)
        self.assertIn("4 errors", out)

    def test_environment_overrides_are_checked_too(self):
        rc, out = self.run_check('[server]\nlisten = "127.0.0.1:8080"\n',
                                 env={"LATCHKEY_SERVER_LISTEN": "broken", "LATCHKEY_NOPE_KEY": "1"})
        self.assertEqual(rc, 1)
        self.assertIn("error: server.listen", out)
        self.assertIn("error: LATCHKEY_NOPE_KEY", out)

    def test_serve_refuses_an_invalid_config(self):
        path = os.path.join(self.tmp, "bad.toml")
        with open(path, "w") as f:
            f.write("[server]\nlisten = 8080\n")
        p = subprocess.run([BIN, "--config", path, "serve"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("server.listen", p.stderr)


class ServeTest(LatchkeyTestCase):
    def test_serve_stops_cleanly_on_sigterm(self):
        lk = self.latchkey()
        lk.stop()  # raises when the process does not stop within 15 s
        self.assertIn("serve.stopping", lk.stderr())

    def test_an_address_in_use_exits_3(self):
        first = self.latchkey()
        second = Latchkey(directory=os.path.join(self.tmp, "second"))
        second.port = first.port
        second.write_config({})
        second.start(wait=False)
        self.assertEqual(second.proc.wait(30), 3)
        self.assertIn("cannot listen", second.stderr())

    def test_dev_mode_creates_and_prints_the_demo_account(self):
        lk = self.latchkey(start=False)
        lk.start(extra_args=("--dev",))
        with open(os.path.join(lk.dir, "serve.out")) as f:
            out = f.read()
        self.assertIn("Demo account: demo", out)
        self.assertIn("demo@example.org", out)
        status, _, flow = lk.start_flow("demo")
        self.assertEqual(status, 201)
        self.assertEqual(flow["methods"][0]["hint"], "de*****@e****.org")
        self.assertFalse(flow["methods"][0]["hint"].startswith("de*****@g"))


if __name__ == "__main__":
    unittest.main()
