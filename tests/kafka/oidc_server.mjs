#!/usr/bin/env node
// A tiny OIDC provider for the `secure` cluster of tests/kafka/kafka.sh (plain Node, no dependencies):
//
//   GET  /jwks   the JSON Web Key Set the broker's OAuthBearerValidatorCallbackHandler verifies with
//   POST /token  OAuth 2 client credentials (RFC 6749 §4.4): grant_type=client_credentials, the client
//                id/secret as HTTP Basic auth or as client_id/client_secret form fields; answers
//                {access_token, token_type: "bearer", expires_in} with an RS256 JWT whose `sub` is the
//                client id (plus iss = http://127.0.0.1:P, aud, iat, nbf, exp and scope)
//
//   node oidc_server.mjs --port P --key rsa.key --kid ID --audience AUD --clients id:secret[,...] --state DIR
//
// --state is only there so kafka.sh can recognise its own process in /proc/PID/cmdline. Token
// lifetime: EDGEKAFKA_OIDC_TOKEN_SECONDS (default 3600). Every issued token is logged to stdout
// (subject and expiry, never the token or the secret).

import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`oidc_server: missing --${name}`);
  return process.argv[i + 1];
}

const port = Number(arg("port"));
const kid = arg("kid");
const audience = arg("audience");
const privateKey = createPrivateKey(readFileSync(arg("key")));
const clients = new Map(arg("clients").split(",").map((c) => c.split(":")));
const lifetime = Number(process.env.EDGEKAFKA_OIDC_TOKEN_SECONDS ?? 3600);
const issuer = `http://127.0.0.1:${port}`;
const jwks = JSON.stringify({ keys: [{ ...createPublicKey(privateKey).export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] });

const b64url = (data) => Buffer.from(data).toString("base64url");

function jwt(subject, scope) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
  const payload = b64url(JSON.stringify({ iss: issuer, aud: audience, sub: subject, iat: now, nbf: now, exp: now + lifetime, scope }));
  const signature = sign("RSA-SHA256", Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function token(req, body, res) {
  const form = new URLSearchParams(body);
  if (form.get("grant_type") !== "client_credentials") {
    return reply(res, 400, { error: "unsupported_grant_type", error_description: "Only client_credentials is supported" });
  }
  let id = form.get("client_id");
  let secret = form.get("client_secret");
  const auth = req.headers.authorization ?? "";
  if (auth.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
    id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " "));
    secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " "));
  }
  if (!id || clients.get(id) !== secret) {
    console.log(`${new Date().toISOString()} token refused for client "${id ?? ""}"`);
    return reply(res, 401, { error: "invalid_client", error_description: "Unknown client or wrong secret" });
  }
  const scope = form.get("scope") ?? "kafka";
  console.log(`${new Date().toISOString()} token issued to "${id}" (scope "${scope}", ${lifetime} s)`);
  reply(res, 200, { access_token: jwt(id, scope), token_type: "bearer", expires_in: lifetime, scope });
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? "/", issuer).pathname;
  if (req.method === "GET" && path === "/jwks") {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(jwks) });
    return res.end(jwks);
  }
  if (req.method === "POST" && path === "/token") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => token(req, Buffer.concat(chunks).toString("utf8"), res));
    return;
  }
  reply(res, 404, { error: "not_found" });
});

server.listen(port, "127.0.0.1", () => console.log(`${new Date().toISOString()} oidc server on ${issuer} (kid ${kid})`));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
});
