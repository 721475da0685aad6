"""The same service on PostgreSQL: the schema, the queries and a whole reset, plus the
database going away and coming back. A real PostgreSQL 15 cluster is created in a
temporary directory and started on a loopback port for the test."""
import base64
import re
import os
import pwd
import shutil
import subprocess
import tempfile
import unittest

from lk import LatchkeyTestCase, free_port, wait_until

PG_BIN = "/usr/lib/postgresql/15/bin"


class Postgres:
    def __init__(self, directory):
        self.dir = directory
        self.port = free_port()
        self.as_root = os.geteuid() == 0  # initdb and pg_ctl refuse to run as root

    def run(self, *args, check=True):
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def init(self):
        os.makedirs(self.dir, exist_ok=True)
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.run(PG_BIN + "/initdb", "-D", self.dir + "/data", "-A", "trust", "-U", "postgres")
        return self

    def start(self):
        self.run(PG_BIN + "/pg_ctl", "-D", self.dir + "/data", "-l", self.dir + "/log", "-o",
                 "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off" % (self.port, self.dir), "-w", "start")
        return self

    def stop(self):
        self.run(PG_BIN + "/pg_ctl", "-D", self.dir + "/data", "-m", "fast", "-w", "stop", check=False)

    def psql(self, sql, db="latchkey", check=True):
        return self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                        "-v", "ON_ERROR_STOP=1", "-At", "-c", sql, check=check)


@unittest.skipUnless(os.path.exists(PG_BIN + "/initdb"), "PostgreSQL 15 is not installed")
class PostgresqlTest(LatchkeyTestCase):
    def setUp(self):
        super().setUp()
        pgdir = tempfile.mkdtemp(prefix="latchkey-pg-")
        self.addCleanup(shutil.rmtree, pgdir, True)
        self.pg = Postgres(pgdir).init().start()
        self.addCleanup(self.pg.stop)
        self.pg.psql("CREATE DATABASE latchkey", db="postgres")
        key = os.path.join(self.tmp, "master.key")
        with open(key, "w") as f:
            f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        self.url = "postgresql://postgres@127.0.0.1:%d/latchkey" % self.pg.port
        self.lk = self.latchkey({"store": {"url": self.url, "pool_size": 4, "busy_timeout_ms": 2000},
                                 "secrets": {"key_file": key}})

    def test_reset_end_to_end_on_postgresql(self):
        self.add_user(self.lk, "alice", email="alice@example.net", password="the first password 1")
        status, _, flow = self.lk.start_flow("alice")
        self.assertEqual(status, 201, flow)
        self.assertEqual(self.lk.challenge(flow)[0], 202)
        code = self.lk.outbox(to="alice@example.net")[0]["body"].split("code is: ")[1][:6]
        status, _, flow2 = self.lk.verify(flow, code)
        self.assertEqual((status, flow2["state"]), (200, "set_password"))
        self.assertEqual(self.lk.complete(flow, "a new and longer passphrase")[0], 200)
        # Unknown users behave the same on PostgreSQL.
        status, _, fake = self.lk.start_flow("nobody")
        self.assertEqual(status, 201)
        self.assertEqual(self.lk.verify(fake, "000000")[0], 409)
        # The schema is PostgreSQL's own: identity columns, the append-only audit.
        rc, out, _ = self.lk.cli("migrate")
        latest = re.search(r"latest (\d+)", out).group(1)
        self.assertEqual(self.pg.psql("SELECT MAX(version) FROM schema_migrations").stdout.strip(), latest)
        events = self.pg.psql("SELECT event || ':' || outcome FROM audit ORDER BY id").stdout.split()
        self.assertIn("password.reset:ok", events)
        refused = self.pg.psql("UPDATE audit SET outcome = 'forged'", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("append-only", refused.stderr)
        refused = self.pg.psql("TRUNCATE audit", check=False)
        self.assertNotEqual(refused.returncode, 0)
        # Contact details are sealed in the database.
        dump = self.pg.psql("SELECT secret_sealed FROM methods").stdout
        self.assertNotIn("alice@example.net", dump)

    def test_migrate_is_idempotent_and_two_nodes_share_the_store(self):
        rc, out, err = self.lk.cli("migrate")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"schema at version (\d+) \(latest \1\)")
        second = self.latchkey({"store": {"url": self.url},
                                "secrets": {"key_file": self.lk.config["secrets"]["key_file"]}})
        self.add_user(self.lk, "bob", email="bob@example.net")
        _, _, flow = self.lk.start_flow("bob")
        # A flow started on one node continues on the other.
        status, _, got = second.request("GET", "/api/v1/flows/" + flow["id"])
        self.assertEqual((status, got["state"]), (200, "choose_method"))
        self.assertEqual(second.challenge(flow)[0], 202)

    def test_the_database_going_away_answers_503_and_recovers(self):
        self.add_user(self.lk, "carol", email="carol@example.net")
        self.assertEqual(self.lk.start_flow("carol")[0], 201)
        self.pg.stop()
        status, _, body = self.lk.start_flow("carol")
        self.assertEqual((status, body["error"]["code"]), (503, "unavailable"))
        self.assertEqual(self.lk.request("GET", "/readyz")[0], 503)
        self.pg.start()
        # Broken connections are reopened: the service recovers without a restart.
        wait_until(lambda: self.lk.start_flow("carol")[0] == 201, timeout=30, what="recovery")
        self.assertEqual(self.lk.request("GET", "/readyz")[0], 200)


if __name__ == "__main__":
    unittest.main()
