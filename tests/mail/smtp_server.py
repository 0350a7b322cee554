#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""A real SMTP server for the mail tests (aiosmtpd, Debian python3-aiosmtpd).

    smtp_server.py DIR [--starttls CERT KEY | --tls CERT KEY] [--user U --password P]

Listens on 127.0.0.1 on a free port and writes that port into DIR/port once
it accepts connections. Every accepted message becomes DIR/msg-N.eml, and each
decision a line of DIR/log ("accepted <rcpt>", "refused <rcpt>"...). The
recipient's local part chooses the behaviour, so one server plays every case:
  refuse@...       answers 554 at the end of the message (a permanent refusal)
  later@...        answers 451 the first time (a temporary failure), then accepts
  drop-data@...    the first time, closes the connection in the middle of the
                   message (before its final dot), then accepts
  drop-answer@...  the first time, keeps the whole message then closes the
                   connection without answering, then accepts
  anything else    accepted
With --discard (the mail bench), messages are answered and logged, not kept.
"""
import asyncio
import logging
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

state = {"n": 0, "seen": set()}


def log(directory, line):
    with open(os.path.join(directory, "log"), "a", encoding="utf-8") as f:
        f.write(line + "\n")


def first_time(kind, rcpt):
    key = (kind, rcpt)
    if key in state["seen"]:
        return False
    state["seen"].add(key)
    return True


class Handler:
    def __init__(self, directory, discard=False):
        self.dir = directory
        self.discard = discard

    async def handle_DATA(self, server, session, envelope):
        rcpt = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        local = rcpt.split("@")[0]
        if local == "refuse":
            log(self.dir, "refused " + rcpt)
            return "554 5.7.1 Message refused by policy"
        if local == "later" and first_time("later", rcpt):
            log(self.dir, "deferred " + rcpt)
            return "451 4.3.0 Try again later"
        state["n"] += 1
        if self.discard:
            log(self.dir, "accepted " + rcpt)
            return "250 OK"
        path = os.path.join(self.dir, "msg-%d.eml" % state["n"])
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        if local == "drop-answer" and first_time("drop-answer", rcpt):
            # Delivered, but the client never hears so: it will send again.
            log(self.dir, "dropped-answer " + rcpt)
            server.transport.abort()
            return "250 OK"
        log(self.dir, "accepted " + rcpt)
        return "250 OK"


class Server(SMTP):
    async def smtp_DATA(self, arg):
        rcpts = self.envelope.rcpt_tos if self.envelope else []
        rcpt = rcpts[0] if rcpts else ""
        if rcpt.split("@")[0] == "drop-data" and first_time("drop-data", rcpt):
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")
            log(self.event_handler.dir, "dropped-data " + rcpt)
            self.transport.abort()
            return
        await super().smtp_DATA(arg)


def main():
    args = sys.argv[1:]
    directory = args.pop(0)
    tls = starttls = None
    user = password = None
    discard = False
    while args:
        opt = args.pop(0)
        if opt in ("--starttls", "--tls"):
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(args.pop(0), args.pop(0))
            if opt == "--tls":
                tls = ctx
            else:
                starttls = ctx
        elif opt == "--user":
            user = args.pop(0)
        elif opt == "--password":
            password = args.pop(0)
        elif opt == "--discard":
            discard = True

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and
              auth_data.login.decode() == user and auth_data.password.decode() == password)
        log(directory, "auth %s %s" % (auth_data.login.decode() if ok else "?",
                                       "ok" if ok else "refused"))
        return AuthResult(success=ok)

    def factory():
        kwargs = {"hostname": "localhost", "data_size_limit": 0}
        if starttls is not None:
            kwargs.update(tls_context=starttls, require_starttls=True)
        if user is not None:
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=True)
        return Server(Handler(directory, discard), **kwargs)

    logging.disable(logging.WARNING)  # aiosmtpd's notes on dropped sessions
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0, ssl=tls))
    port = server.sockets[0].getsockname()[1]
    with open(os.path.join(directory, "port.tmp"), "w") as f:
        f.write(str(port))
    os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
