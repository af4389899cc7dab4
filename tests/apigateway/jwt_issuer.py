"""An OpenID issuer for JWT authorizer tests: discovery and JWKS documents over HTTP(S), and
RS256 tokens signed with a fixed test-only RSA key (pure Python, so no crypto package is
needed)."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading

# A 2048-bit RSA key made for these tests with `openssl genrsa`; it signs nothing real.
N = int(
    "f9d91c991911bd37f91f960c935a0e2b69ef8fa33006b83e77aea17229943efae4ae09f39abecee7"
    "8fa299ff80879249eb321b5a15f89e266a86bf7296a966f8844ace72ac850b2a8bc2e73d7114d738"
    "90f984413510dc03209afec38bafa7e112cae60e58d4dfd60a09c83fe48d23c32f24395c85f86278"
    "fbe547f3ed18ca18d83e6738717e527ec9b48df742e7a30ef2890587be4361d3b8e6602b72e39442"
    "eb380e1755528732a17ab693941bd91cfcfc22cce5fed970402cba7cfbe5d04c259378040e65ec4c"
    "857610b18be2b2b5d92c4132641005c7284ce68a926627ffdd2370d15f4da53b20c4341a37930a9e"
    "1453bfee2b78a53eb2542a8dcd4e301d",
    16,
)
D = int(
    "44af399885d353ee26d5016e12b5d789251eb6da05509398951b970cabc5f94c226b6250163829cb"
    "c4f05c34a1a3f8c4af9cf48550c246d0b29047a92d981feff4873a53aeb7063d09c8afc3021583ba"
    "5e1cebd48306170afc297539c4a38de2ca7d8bf744d712571d7c3af4ae7f920229869d23a10450d1"
    "6b6a9df84cc1cd2c960874657840eb554bf5e3e3676c1df5fa1f1b00f3bb28ee71715a14e5e9bc48"
    "bbea3970ddaea246aec78e65c8b72d0576daf4148342597d862962d7c59b32ef06d39bf357e2412d"
    "477e62dfde783c8278da1bed9bf5cf858083f363cdf490ae1a740e69c368841d11bc1ef0fb956f99"
    "3e58791703b942eb540f4c2268e30a1",
    16,
)
E = 65537
KID = "test-key-1"
# DER prefix of a SHA-256 DigestInfo (RFC 8017, section 9.2).
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def sign(claims: dict, kid: str = KID) -> str:
    """An RS256 JWT of `claims`."""
    signing_input = f"{b64url(json.dumps({'alg': 'RS256', 'typ': 'JWT', 'kid': kid}).encode())}." \
                    f"{b64url(json.dumps(claims).encode())}"
    digest = SHA256_PREFIX + hashlib.sha256(signing_input.encode()).digest()
    size = (N.bit_length() + 7) // 8
    padded = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
    signature = pow(int.from_bytes(padded, "big"), D, N).to_bytes(size, "big")
    return f"{signing_input}.{b64url(signature)}"


class Issuer:
    """Serves `/.well-known/openid-configuration` and `/jwks.json` on a free port: over http://,
    or over https://localhost with `tls` (a server-side SSLContext)."""

    def __init__(self, tls=None):
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    doc = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks.json"}
                elif self.path == "/jwks.json":
                    size = (N.bit_length() + 7) // 8
                    doc = {"keys": [{"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256",
                                     "n": b64url(N.to_bytes(size, "big")), "e": b64url(E.to_bytes(3, "big"))}]}
                else:
                    self.send_error(404)
                    return
                body = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = self.server.server_address[1]
        if tls is None:
            self.url = f"http://127.0.0.1:{port}"
        else:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://localhost:{port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
