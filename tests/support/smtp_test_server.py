"""A real SMTP server for the SmtpTransport tests (aiosmtpd, Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on --port (default: a free one) and writes that port to --port-file once it accepts
connections. Every accepted message goes to <folder>/<n>.eml (the raw DATA bytes); a line
"<n> <client port> <rcpt> <waiting>" goes to <folder>/log.txt, so a test can tell connections
apart; <waiting> is 1 when the client's next MAIL command had already arrived with the message's
content (pipelined with it), else 0.

Recipients choose the reply by local part: temp-fail@... gets 451, reject@... gets 550;
drop-after-data@... is received and stored, then the connection is dropped before the reply.
--tls starttls|implicit with --cert/--key offers STARTTLS (and then requires it) or speaks TLS
from the first byte; --auth user:password requires AUTH (PLAIN or LOGIN) with those. --pipelining announces ESMTP
PIPELINING (RFC 2920), which aiosmtpd serves (it reads commands in order) but does not announce.
Stops on SIGTERM, and when the process that started it exits.
"""

import argparse
import asyncio
import logging
import os
import signal
import ssl
import warnings

from aiosmtpd.smtp import SMTP, AuthResult


class Recorder:
    def __init__(self, folder, pipelining):
        self.folder = folder
        self.count = 0
        self.pipelining = pipelining

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, '250-PIPELINING')
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split('@', 1)[0].lower()
        if local == 'temp-fail':
            return '451 4.3.0 Mailbox temporarily unavailable, try again later'
        if local == 'reject':
            return '550 5.1.1 No such user here'
        envelope.rcpt_tos.append(address)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        n = self.count
        path = os.path.join(self.folder, '%d.eml' % n)
        with open(path + '.tmp', 'wb') as f:
            f.write(envelope.original_content)
        os.rename(path + '.tmp', path)
        # What the client wrote after the content's final "." and before hearing this reply.
        waiting = bytes(server._reader._buffer).upper().startswith(b'MAIL FROM')
        with open(os.path.join(self.folder, 'log.txt'), 'a') as log:
            log.write('%d %d %s %d\n' % (n, session.peer[1], ','.join(envelope.rcpt_tos),
                                          1 if waiting else 0))
        if any(r.split('@', 1)[0].lower() == 'drop-after-data' for r in envelope.rcpt_tos):
            server.transport.abort()  # received, but the client never hears so
        return '250 2.0.0 Queued as %d' % n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--folder', required=True)
    parser.add_argument('--port-file', required=True)
    parser.add_argument('--tls', choices=['none', 'starttls', 'implicit'], default='none')
    parser.add_argument('--cert')
    parser.add_argument('--key')
    parser.add_argument('--auth')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--pipelining', action='store_true')
    args = parser.parse_args()
    warnings.simplefilter('ignore')  # aiosmtpd's deprecation notes, not ours
    logging.getLogger('mail.log').setLevel(logging.ERROR)

    context = None
    if args.tls != 'none':
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    authenticator = None
    if args.auth:
        user, password = args.auth.split(':', 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode() == user and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False)

    handler = Recorder(args.folder, args.pipelining)

    def make_protocol():
        return SMTP(handler,
                    hostname='smtp.test',
                    tls_context=context if args.tls == 'starttls' else None,
                    require_starttls=args.tls == 'starttls',
                    authenticator=authenticator,
                    auth_required=authenticator is not None,
                    auth_require_tls=args.tls == 'starttls')

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        make_protocol, '127.0.0.1', args.port, ssl=context if args.tls == 'implicit' else None))
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + '.tmp', 'w') as f:
        f.write('%d\n' % port)
    os.rename(args.port_file + '.tmp', args.port_file)

    loop.add_signal_handler(signal.SIGTERM, loop.stop)

    # Stop with the test that started it, even when that test is killed.
    parent = os.getppid()

    def watch_parent():
        if os.getppid() != parent:
            loop.stop()
        else:
            loop.call_later(0.5, watch_parent)

    watch_parent()
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == '__main__':
    main()
