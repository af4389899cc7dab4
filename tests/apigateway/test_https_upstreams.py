"""HTTP integrations and JWT issuers reached over HTTPS, with certificates checked as API
Gateway checks them. The upstreams are Python HTTPS servers on loopback with certificates from
`tests/fixtures/tls`; nimbus runs with `SSL_CERT_FILE` naming the test CA, so it trusts that CA
and nothing else, and must refuse the self-signed certificate unless an integration's
`tlsConfig.insecureSkipVerification` says otherwise."""

from __future__ import annotations

import http.server
import json
import ssl
import threading
import time
from pathlib import Path

import pytest
import urllib3

from jwt_issuer import Issuer, sign

TLS = Path(__file__).resolve().parents[1] / "fixtures" / "tls"
http_pool = urllib3.PoolManager()


def server_context(name: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(TLS / f"{name}.pem", TLS / f"{name}.key")
    return ctx


class Echo(http.server.BaseHTTPRequestHandler):
    def do_any(self):
        length = int(self.headers.get("content-length") or 0)
        body = json.dumps({"method": self.command, "path": self.path, "host": self.headers["host"],
                           "body": self.rfile.read(length).decode()}).encode()
        self.send_response(201)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PUT = do_any

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def upstreams():
    """{"trusted": port, "untrusted": port}: HTTPS echo servers."""
    running, ports = [], {}
    for name, cert in (("trusted", "server"), ("untrusted", "untrusted")):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        srv.socket = server_context(cert).wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        running.append(srv)
        ports[name] = srv.server_address[1]
    yield ports
    for srv in running:
        srv.shutdown()


@pytest.fixture(scope="module")
def tls_server():
    from nimbus_testing import NimbusServer
    srv = NimbusServer(env={"SSL_CERT_FILE": str(TLS / "ca.pem")})
    srv.start()
    yield srv
    srv.stop()
    srv.cleanup()


def request(server, host: str, path: str, **kw):
    headers = {"Host": f"{host}.execute-api.localhost:{server.port}", **kw.pop("headers", {})}
    return http_pool.request(kw.pop("method", "GET"), f"http://127.0.0.1:{server.port}{path}", headers=headers,
                             retries=False, redirect=False, **kw)


def test_rest_api_http_integrations_over_https(tls_server, upstreams):
    apigw = tls_server.client("apigateway")
    api = apigw.create_rest_api(name="https-upstreams")
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]

    def proxy_to(path: str, uri: str, **integration):
        resource = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart=path)["id"]
        apigw.put_method(restApiId=api["id"], resourceId=resource, httpMethod="ANY", authorizationType="NONE")
        apigw.put_integration(restApiId=api["id"], resourceId=resource, httpMethod="ANY", type="HTTP_PROXY",
                              integrationHttpMethod="ANY", uri=uri, **integration)
    proxy_to("trusted", f"https://localhost:{upstreams['trusted']}/base")
    proxy_to("by-ip", f"https://127.0.0.1:{upstreams['trusted']}/ip")
    proxy_to("untrusted", f"https://localhost:{upstreams['untrusted']}/base")
    proxy_to("skip", f"https://localhost:{upstreams['untrusted']}/skipped",
             tlsConfig={"insecureSkipVerification": True})
    apigw.create_deployment(restApiId=api["id"], stageName="prod")

    r = request(tls_server, api["id"], "/prod/trusted?q=1", method="PUT", body=b"over tls")
    assert r.status == 201, r.data
    assert json.loads(r.data) == {"method": "PUT", "path": "/base?q=1", "host": f"localhost:{upstreams['trusted']}",
                                  "body": "over tls"}
    assert json.loads(request(tls_server, api["id"], "/prod/by-ip").data)["path"] == "/ip"
    # A certificate no trusted CA signed is a failed integration, as on AWS.
    r = request(tls_server, api["id"], "/prod/untrusted")
    assert (r.status, json.loads(r.data)) == (500, {"message": "Internal server error"})
    r = request(tls_server, api["id"], "/prod/skip")
    assert r.status == 201 and json.loads(r.data)["path"] == "/skipped"
    assert apigw.get_integration(restApiId=api["id"], resourceId=[
        i["id"] for i in apigw.get_resources(restApiId=api["id"])["items"] if i["path"] == "/skip"][0],
        httpMethod="ANY")["tlsConfig"] == {"insecureSkipVerification": True}


def test_http_api_proxy_and_jwt_issuer_over_https(tls_server, upstreams):
    apigw = tls_server.client("apigatewayv2")
    issuer = Issuer(tls=server_context("server"))
    try:
        api_id = apigw.create_api(ProtocolType="HTTP", Name="https-upstreams")["ApiId"]
        trusted = apigw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                           IntegrationUri=f"https://localhost:{upstreams['trusted']}/v2/{{proxy}}",
                                           PayloadFormatVersion="1.0")
        untrusted = apigw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                             IntegrationUri=f"https://localhost:{upstreams['untrusted']}/",
                                             PayloadFormatVersion="1.0")
        auth = apigw.create_authorizer(ApiId=api_id, Name="jwt", AuthorizerType="JWT",
                                       IdentitySource=["$request.header.Authorization"],
                                       JwtConfiguration={"Issuer": issuer.url, "Audience": ["app"]})
        apigw.create_route(ApiId=api_id, RouteKey="ANY /up/{proxy+}", Target=f"integrations/{trusted['IntegrationId']}")
        apigw.create_route(ApiId=api_id, RouteKey="GET /me", Target=f"integrations/{trusted['IntegrationId']}",
                           AuthorizationType="JWT", AuthorizerId=auth["AuthorizerId"])
        apigw.create_route(ApiId=api_id, RouteKey="GET /untrusted", Target=f"integrations/{untrusted['IntegrationId']}")
        apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)

        r = request(tls_server, api_id, "/up/a/b", method="POST", body=b"hi")
        assert r.status == 201 and json.loads(r.data)["path"] == "/v2/a/b"
        r = request(tls_server, api_id, "/untrusted")
        assert (r.status, json.loads(r.data)) == (500, {"message": "Internal Server Error"})
        # The issuer's discovery document and key set are fetched over HTTPS to check the token.
        token = sign({"iss": issuer.url, "aud": "app", "sub": "u1", "exp": int(time.time()) + 60})
        r = request(tls_server, api_id, "/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status == 201, r.data
        assert request(tls_server, api_id, "/me", headers={"Authorization": "Bearer x.y.z"}).status == 401
    finally:
        issuer.close()
