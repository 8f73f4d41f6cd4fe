#!/usr/bin/python3
"""A local SMTP receiver for tests (Debian's python3-aiosmtpd).

    smtp_receiver.py DIR [USER PASSWORD]

Listens on a free port of 127.0.0.1, prints that port on stdout (one line), and writes every
message it accepts to DIR/NNNN.eml (renamed into place once complete), headed by the envelope
and the authenticated login. With USER and PASSWORD it offers AUTH (without TLS: loopback only)
and refuses other credentials. Runs until killed.
"""
import asyncio
import logging
import os
import socket
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult


class Saver:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.directory, "%04d.eml" % self.count)
        login = session.auth_data or b""
        with open(name + ".tmp", "wb") as out:
            out.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
            out.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            out.write(b"X-Auth-Login: " + bytes(login) + b"\r\n")
            out.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 OK"


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, auth_data=auth_data.login if ok else None)

    return authenticate


async def main():
    warnings.simplefilter("ignore")  # AUTH without TLS is the point here: loopback only
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    directory = sys.argv[1]
    options = {"hostname": "localhost"}
    if len(sys.argv) == 4:
        options.update(authenticator=authenticator_for(sys.argv[2], sys.argv[3]),
                       auth_require_tls=False, auth_required=True)
    handler = Saver(directory)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    loop = asyncio.get_running_loop()
    await loop.create_server(lambda: SMTP(handler, **options), sock=listener)
    print(listener.getsockname()[1], flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
