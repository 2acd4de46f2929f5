#!/usr/bin/env python3
"""Local servers for the HTTPS client's tests (Python standard library only).

https: an HTTPS server with the given certificate; every GET answers 200 with
       {"path": <the request target>, "host": <the Host header>}.
proxy: an HTTP CONNECT proxy. Whatever host a client asks for, the tunnel goes to 127.0.0.1
       on the asked port (so a test can use a name that is not loopback, which the client
       would never send through a proxy); each CONNECT target is appended to --log.
The port listened on is written to --port-file once listening.
"""
import argparse, http.server, json, os, select, socket, socketserver, ssl

p = argparse.ArgumentParser()
p.add_argument("mode", choices=["https", "proxy"])
p.add_argument("--cert")
p.add_argument("--key")
p.add_argument("--log", default="")
p.add_argument("--port-file", required=True)
ARGS = p.parse_args()


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = json.dumps({"path": self.path, "host": self.headers.get("Host", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Tunnel(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline().decode("latin-1").strip()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        method, target, _ = line.split(" ", 2)
        if method != "CONNECT":
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        if ARGS.log:
            with open(ARGS.log, "a") as f:
                f.write(target + "\n")
        port = int(target.rsplit(":", 1)[1])
        upstream = socket.create_connection(("127.0.0.1", port))
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        client = self.connection
        peers = {client: upstream, upstream: client}
        while True:
            ready, _, _ = select.select(list(peers), [], [], 30)
            if not ready:
                break
            for s in ready:
                data = s.recv(65536)
                if not data:
                    upstream.close()
                    return
                peers[s].sendall(data)


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


if ARGS.mode == "https":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ARGS.cert, ARGS.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
else:
    server = Server(("127.0.0.1", 0), Tunnel)
with open(ARGS.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(ARGS.port_file + ".tmp", ARGS.port_file)
server.serve_forever()
