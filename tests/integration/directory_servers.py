"""Real directory servers for the integration tests, each in a temporary directory on a
loopback address: OpenLDAP's slapd with the ppolicy overlay, and Samba as an Active
Directory domain controller. Both are stopped by the test's cleanups, also when the
test fails."""
import base64
import os
import signal
import subprocess
import time

from lk import free_port, wait_for_port, wait_until

SUFFIX = "dc=example,dc=test"
PEOPLE = "ou=people," + SUFFIX
SERVICE_DN = "cn=latchkey,ou=services," + SUFFIX
SERVICE_PASSWORD = "service-account-secret"
ADMIN_DN = "cn=admin," + SUFFIX
ADMIN_PASSWORD = "root-secret"


def make_cert(directory, ip):
    """A self-signed certificate for `ip` (SAN IP), used as its own CA by the client."""
    cert = os.path.join(directory, "server-cert.pem")
    key = os.path.join(directory, "server-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=%s" % ip, "-addext", "subjectAltName=IP:%s" % ip,
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


# A password quality module of the kind sites load into ppolicy (pwdCheckModule):
# refuses passwords without a digit. Built with the system compiler.
CHECK_MODULE_C = r"""
#include <string.h>
struct berval { unsigned long bv_len; char *bv_val; };
int check_password(char *pw, struct berval *msg, void *entry, struct berval *arg) {
  (void)entry; (void)arg;
  if (strpbrk(pw, "0123456789") != NULL) return 0;
  static const char text[] = "needs a digit";
  if (msg && msg->bv_val && msg->bv_len > sizeof text) {
    memcpy(msg->bv_val, text, sizeof text);
    msg->bv_len = sizeof text - 1;
  }
  return 1;
}
"""


class Slapd:
    """slapd 2.5 from a temporary slapd.conf: mdb, ppolicy (length 10, quality module,
    history 3, lockout after 3 failures), StartTLS with a self-signed certificate, and a
    service account that may reset passwords and clear lockouts but not read them."""

    def __init__(self, directory):
        self.dir = directory
        self.port = free_port()
        self.url = "ldap://127.0.0.1:%d" % self.port
        self.pid_file = os.path.join(directory, "slapd.pid")
        self.conf = os.path.join(directory, "slapd.conf")
        self.cert, self.key = make_cert(directory, "127.0.0.1")
        self.service_password_file = os.path.join(directory, "service.pw")
        with open(self.service_password_file, "w") as f:
            f.write(SERVICE_PASSWORD + "\n")
        self.module = os.path.join(directory, "check_password.so")
        src = os.path.join(directory, "check_password.c")
        with open(src, "w") as f:
            f.write(CHECK_MODULE_C)
        subprocess.run(["cc", "-shared", "-fPIC", "-o", self.module, src], check=True,
                       capture_output=True)
        os.makedirs(os.path.join(directory, "db"))
        self._write_conf()
        self._load()

    def _write_conf(self):
        d = self.dir
        svc = SERVICE_DN
        lines = [
            "include /etc/ldap/schema/core.schema",
            "include /etc/ldap/schema/cosine.schema",
            "include /etc/ldap/schema/inetorgperson.schema",
            "include /etc/ldap/schema/nis.schema",
            "modulepath /usr/lib/ldap",
            "moduleload back_mdb",
            "moduleload ppolicy",
            "pidfile %s" % self.pid_file,
            "TLSCertificateFile %s" % self.cert,
            "TLSCertificateKeyFile %s" % self.key,
            "TLSCACertificateFile %s" % self.cert,
            "database mdb",
            'suffix "%s"' % SUFFIX,
            'rootdn "%s"' % ADMIN_DN,
            "rootpw %s" % ADMIN_PASSWORD,
            "directory %s/db" % d,
            "overlay ppolicy",
            'ppolicy_default "cn=default,ou=policies,%s"' % SUFFIX,
            "ppolicy_hash_cleartext",
            "ppolicy_use_lockout",
            # The service account's minimal rights (docs/directories.md): write the
            # password (never read it), manage the lockout and reset flags, read users.
            'access to attrs=userPassword by dn.exact="%s" =w by self =wx by anonymous auth by * none' % svc,
            'access to attrs=pwdAccountLockedTime,pwdFailureTime,pwdReset by dn.exact="%s" write by * read' % svc,
            "access to * by * read",
        ]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _load(self):
        entries = [
            ("dn: %s" % SUFFIX, "objectClass: dcObject", "objectClass: organization", "o: Example",
             "dc: example"),
            ("dn: ou=policies,%s" % SUFFIX, "objectClass: organizationalUnit", "ou: policies"),
            ("dn: %s" % PEOPLE, "objectClass: organizationalUnit", "ou: people"),
            ("dn: ou=services,%s" % SUFFIX, "objectClass: organizationalUnit", "ou: services"),
            ("dn: cn=default,ou=policies,%s" % SUFFIX, "objectClass: pwdPolicy",
             "objectClass: pwdPolicyChecker", "objectClass: device", "cn: default",
             "pwdAttribute: userPassword", "pwdMinLength: 10", "pwdCheckQuality: 2",
             "pwdCheckModule: %s" % self.module, "pwdInHistory: 3", "pwdLockout: TRUE",
             "pwdMaxFailure: 3", "pwdLockoutDuration: 3600", "pwdAllowUserChange: TRUE",
             "pwdMustChange: TRUE"),
            # Passwords expire after a day, with no grace binds.
            ("dn: cn=expiring,ou=policies,%s" % SUFFIX, "objectClass: pwdPolicy",
             "objectClass: device", "cn: expiring", "pwdAttribute: userPassword",
             "pwdMaxAge: 86400", "pwdGraceAuthNLimit: 0", "pwdAllowUserChange: TRUE"),
            ("dn: %s" % SERVICE_DN, "objectClass: applicationProcess",
             "objectClass: simpleSecurityObject", "cn: latchkey", "userPassword: " + SERVICE_PASSWORD),
        ]
        with open(os.path.join(self.dir, "base.ldif"), "w") as f:
            for e in entries:
                f.write("\n".join(e) + "\n\n")
        subprocess.run(["slapadd", "-f", self.conf, "-l", os.path.join(self.dir, "base.ldif")],
                       check=True, capture_output=True)

    def add_user(self, uid, password, mail=None, mobile=None, extra=()):
        """Adds a person while the server is stopped (slapadd may set the operational
        attributes a test needs, such as an old pwdChangedTime)."""
        lines = ["dn: uid=%s,%s" % (uid, PEOPLE), "objectClass: inetOrgPerson", "uid: " + uid,
                 "cn: %s Example" % uid.capitalize(), "sn: Example",
                 "displayName: %s Example" % uid.capitalize(), "userPassword: " + password]
        if mail:
            lines.append("mail: " + mail)
        if mobile:
            lines.append("mobile: " + mobile)
        lines.extend(extra)
        path = os.path.join(self.dir, "user-%s.ldif" % uid)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run(["slapadd", "-f", self.conf, "-l", path], check=True, capture_output=True)

    def start(self):
        subprocess.run(["slapd", "-f", self.conf, "-h", self.url + "/"], check=True,
                       capture_output=True)
        wait_for_port(self.port)
        return self

    def pid(self):
        try:
            with open(self.pid_file) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self):
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return

        def gone():
            try:
                os.kill(pid, 0)
                return False
            except ProcessLookupError:
                return True
        wait_until(gone, 20, what="slapd to stop")
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)

    def pause(self):
        os.kill(self.pid(), signal.SIGSTOP)

    def resume(self):
        os.kill(self.pid(), signal.SIGCONT)

    def tool_env(self):
        return dict(os.environ, LDAPTLS_CACERT=self.cert, LDAPTLS_REQCERT="demand")

    def whoami(self, uid, password):
        """A real bind (StartTLS required) as the user: the exit code (0 = accepted)."""
        p = subprocess.run(["ldapwhoami", "-x", "-ZZ", "-H", self.url, "-D",
                            "uid=%s,%s" % (uid, PEOPLE), "-w", password],
                           capture_output=True, text=True, env=self.tool_env())
        return p.returncode

    def read(self, uid, *attrs):
        """Attribute values of a user, read as the root DN."""
        p = subprocess.run(["ldapsearch", "-LLL", "-x", "-ZZ", "-H", self.url, "-D", ADMIN_DN,
                            "-w", ADMIN_PASSWORD, "-b", "uid=%s,%s" % (uid, PEOPLE), "-s", "base",
                            "(objectClass=*)"] + list(attrs),
                           capture_output=True, text=True, env=self.tool_env(), check=True)
        out = {}
        for line in p.stdout.splitlines():
            if ": " in line and not line.startswith("dn:"):
                k, v = line.split(": ", 1)
                out.setdefault(k, []).append(v)
        return out

    def modify(self, ldif):
        subprocess.run(["ldapmodify", "-x", "-ZZ", "-H", self.url, "-D", ADMIN_DN, "-w",
                        ADMIN_PASSWORD], input=ldif, text=True, check=True, capture_output=True,
                       env=self.tool_env())


class SambaDC:
    """Samba as an AD domain controller, provisioned into a temporary directory and run
    in the foreground (`samba -i`, single process) on its own loopback address, with
    only the LDAP server started. Samba's LDAP ports are fixed (389 and 636), so each
    instance takes a distinct 127.0.0.x address instead of a distinct port."""

    REALM = "LK.TEST"
    DOMAIN = "LK"
    BASE = "DC=lk,DC=test"
    ADMIN_PASSWORD = "Adm1n-Secret-Pw!"

    def __init__(self, directory):
        self.dir = directory
        self.ip = self._free_address()
        self.url = "ldaps://%s" % self.ip
        self.cert, self.key = make_cert(directory, self.ip)
        self.conf = os.path.join(directory, "etc", "smb.conf")
        self.proc = None
        self.log_path = os.path.join(directory, "samba.log")
        self.service_dn = "CN=latchkey,CN=Users," + self.BASE
        self.service_password = "Svc-Secret-Pw-42!"
        self.service_password_file = os.path.join(directory, "service.pw")
        with open(self.service_password_file, "w") as f:
            f.write(self.service_password + "\n")

    @staticmethod
    def _free_address():
        import random
        import socket
        for _ in range(100):
            ip = "127.0.%d.%d" % (random.randint(1, 254), random.randint(2, 254))
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind((ip, 636))
                except OSError:
                    continue
            return ip
        raise RuntimeError("no free loopback address for Samba")

    def tool(self, *args, check=True):
        return subprocess.run(["samba-tool"] + list(args) + ["-s", self.conf], check=check,
                              capture_output=True, text=True)

    def provision(self):
        subprocess.run(["samba-tool", "domain", "provision", "--realm=" + self.REALM,
                        "--domain=" + self.DOMAIN, "--server-role=dc", "--dns-backend=NONE",
                        "--adminpass=" + self.ADMIN_PASSWORD, "--targetdir=" + self.dir,
                        "--host-ip=" + self.ip,
                        "--option=interfaces=%s/8" % self.ip, "--option=bind interfaces only=yes"],
                       check=True, capture_output=True, text=True)
        # Test-friendly but real rules: complexity on, history 3, no minimum age, lockout
        # after 3 failures.
        self.tool("domain", "passwordsettings", "set", "--complexity=on", "--history-length=3",
                  "--min-pwd-age=0", "--min-pwd-length=10", "--account-lockout-threshold=3",
                  "--account-lockout-duration=60", "--reset-account-lockout-after=60")
        # The service account and its delegated rights (docs/directories.md): reset
        # passwords, write lockoutTime and pwdLastSet on users, nothing else.
        self.tool("user", "create", "latchkey", self.service_password)
        sid = self.tool("user", "show", "latchkey", "--attributes=objectSid").stdout
        sid = [l.split(": ", 1)[1] for l in sid.splitlines() if l.startswith("objectSid: ")][0]
        reset = "00299570-246d-11d0-a768-00aa006e0529"  # User-Force-Change-Password
        lockout = "28630ebf-41d5-11d1-a9c1-0000f80367c1"  # lockoutTime
        pwd_last_set = "bf967a0a-0de6-11d0-a285-00aa003049e2"  # pwdLastSet
        user_class = "bf967aba-0de6-11d0-a285-00aa003049e2"  # user
        for ace in ("(OA;CI;CR;%s;%s;%s)" % (reset, user_class, sid),
                    "(OA;CI;RPWP;%s;%s;%s)" % (lockout, user_class, sid),
                    "(OA;CI;RPWP;%s;%s;%s)" % (pwd_last_set, user_class, sid)):
            self.tool("dsacl", "set", "--objectdn=CN=Users," + self.BASE, "--sddl=" + ace)
        return self

    def add_user(self, name, password, mail=None):
        args = ["user", "create", name, password, "--given-name=" + name.capitalize(),
                "--surname=Example"]
        if mail:
            args.append("--mail-address=" + mail)
        self.tool(*args)
        return "CN=%s Example,CN=Users,%s" % (name.capitalize(), self.BASE)

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["samba", "-i", "-M", "single", "-s", self.conf, "--option=server services=ldap",
             "--option=tls certfile=" + self.cert, "--option=tls keyfile=" + self.key,
             "--option=tls cafile=" + self.cert,
             # Samba accepts a user's previous password for an hour by default (as
             # Windows does for NTLM); the tests prove that the old one stops working.
             "--option=old password allowed period=0"],
            stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("samba exited: " + open(self.log_path).read()[-2000:])
            if self.search_as(self.service_dn, self.service_password, "(objectClass=*)", base="",
                              scope="base") is not None:
                return self
            time.sleep(0.2)
        raise AssertionError("samba did not answer on LDAPS: " + open(self.log_path).read()[-2000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def tool_env(self):
        return dict(os.environ, LDAPTLS_CACERT=self.cert, LDAPTLS_REQCERT="demand")

    def search_as(self, dn, password, filt, base=None, scope="sub", attrs=()):
        """A real LDAPS bind as `dn` plus a search; the output, or None when refused.
        (Samba has no Who-am-I extended operation, so ldapwhoami cannot prove a bind.)"""
        p = subprocess.run(["ldapsearch", "-LLL", "-x", "-H", self.url, "-D", dn, "-w", password,
                            "-b", self.BASE if base is None else base, "-s", scope, filt]
                           + list(attrs), capture_output=True, text=True, env=self.tool_env())
        return p.stdout if p.returncode == 0 else None

    def binds(self, dn, password):
        return self.search_as(dn, password, "(objectClass=*)", base="", scope="base") is not None

    def attrs(self, dn, *names):
        out = self.search_as("CN=Administrator,CN=Users," + self.BASE, self.ADMIN_PASSWORD,
                             "(objectClass=*)", base=dn, scope="base", attrs=names) or ""
        values = {}
        for line in out.splitlines():
            if ": " in line and not line.startswith("dn:"):
                k, v = line.split(": ", 1)
                values.setdefault(k, []).append(v)
        return values


def b64(text):
    return base64.b64encode(text.encode()).decode()
