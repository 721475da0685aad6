"""aiosmtpd handlers for the integration tests (run by the real aiosmtpd server).

Sink: stores every accepted message as a JSON file (envelope, TLS state, AUTH login,
raw content) in a directory, so that a test can read the code a user would read.
Rejecting: refuses every recipient with a permanent 550, as a relay does for an
unknown mailbox.
"""
import json
import os
import time


class Sink:
    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("Sink needs a directory")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        # STARTTLS sets session.ssl; implicit TLS (SMTPS) shows on the transport.
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        auth = getattr(session, "auth_data", None)
        login = getattr(auth, "login", None)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": tls,
            "login": login.decode() if isinstance(login, bytes) else login,
            "content": envelope.original_content.decode("utf-8", "replace"),
        }
        name = "%d-%d.json" % (time.time_ns(), os.getpid())
        tmp = os.path.join(self.directory, "." + name)
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


class Rejecting:
    @classmethod
    def from_cli(cls, parser, *args):
        return cls()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user here"
