/**
 * SASL without a broker: SCRAM against the test vectors of RFC 5802 (SHA-1)
 * and RFC 7677 (SHA-256) and its checks of the server's messages, PLAIN and
 * OAUTHBEARER messages, the token cache, `sasl.jaas.config` parsing, and
 * the configuration errors of the SASL keys (which never quote a secret).
 */
import { describe, expect, test } from "bun:test";
import { ConfigError, Password } from "../../mod.ts";
import { resolveConfig } from "../../src/config.ts";
import { parseJaas } from "../../src/config_jaas.ts";
import { SaslFailure } from "../../src/security/mechanism.ts";
import { clientFirstMessage, OAuthBearerMechanism, TokenCache } from "../../src/security/oauthbearer.ts";
import { ScramMechanism, scramProof, verifyServerFinal } from "../../src/security/scram.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("SCRAM (RFC 5802, RFC 7677)", () => {
  test("RFC 5802's SHA-1 example: client proof and server signature", async () => {
    const p = await scramProof("SHA-1", "n=user,r=fyko+d2lbbFgONRv9qkxdawL",
      "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096", new Password("pencil"), "fyko+d2lbbFgONRv9qkxdawL");
    expect(p.clientFinal).toBe("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
    expect(p.serverSignature).toBe("rmF9pqV8S7suAoZWja4dJRkFsKQ=");
  });

  const SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  const CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

  async function exchange(serverFirst: string, serverFinal: string): Promise<string[]> {
    const sent: string[] = [];
    const answers = [serverFirst, serverFinal];
    const m = new ScramMechanism("SCRAM-SHA-256", "user", new Password("pencil"), () => "rOprNGfwEbeRWgbNEkqO");
    await m.authenticate(async (token) => {
      sent.push(text(token));
      return bytes(answers.shift()!);
    });
    return sent;
  }

  test("RFC 7677's SCRAM-SHA-256 exchange, message by message", async () => {
    expect(await exchange(SERVER_FIRST, SERVER_FINAL)).toEqual(["n,,n=user,r=rOprNGfwEbeRWgbNEkqO", CLIENT_FINAL]);
  });

  test("a server signature that does not verify is refused", async () => {
    const wrong = "v=" + btoa("x".repeat(32));
    await expect(exchange(SERVER_FIRST, wrong)).rejects.toThrow("The broker's SCRAM server signature does not verify");
    await expect(exchange(SERVER_FIRST, "e=invalid-proof")).rejects.toThrow("The broker refused the SCRAM proof: invalid-proof");
  });

  test("a server nonce that does not extend the client's is refused", async () => {
    await expect(exchange(SERVER_FIRST.replace("r=rOpr", "r=XXpr"), SERVER_FINAL)).rejects.toThrow("does not extend the client's nonce");
    await expect(exchange(SERVER_FIRST.replace(/%[^,]*/, ""), SERVER_FINAL)).rejects.toThrow("does not extend the client's nonce");
  });

  test("an iteration count below 4096 (Java's minimum) is refused", async () => {
    await expect(exchange(SERVER_FIRST.replace("i=4096", "i=4095"), SERVER_FINAL)).rejects.toThrow("below the minimum of 4096");
    await expect(exchange(SERVER_FIRST.replace("i=4096", "i=abc"), SERVER_FINAL)).rejects.toThrow("is not a number");
  });

  test("user names are escaped; SCRAM-SHA-512 signs with SHA-512", async () => {
    const sent: string[] = [];
    const m = new ScramMechanism("SCRAM-SHA-512", "a=b,c", new Password("p"), () => "abc");
    await expect(m.authenticate(async (t) => {
      sent.push(text(t));
      return bytes("r=abcdef,s=c2FsdA==,i=4096");
    })).rejects.toBeInstanceOf(SaslFailure);
    expect(sent[0]).toBe("n,,n=a=3Db=2Cc,r=abc");
    expect(sent[1]).toMatch(/^c=biws,r=abcdef,p=[A-Za-z0-9+/]{86}==$/); // a 64-byte proof
  });

  test("verifyServerFinal needs v=", () => {
    expect(() => verifyServerFinal("x=1", "abc")).toThrow(SaslFailure);
  });
});

describe("OAUTHBEARER (RFC 7628)", () => {
  test("the client first message carries the token and the extensions", () => {
    expect(clientFirstMessage("t0k", {})).toBe("n,,\u0001auth=Bearer t0k\u0001\u0001");
    expect(clientFirstMessage("t0k", { a: "1", logicalCluster: "lkc-1" })).toBe("n,,\u0001auth=Bearer t0k\u0001a=1\u0001logicalCluster=lkc-1\u0001\u0001");
    expect(() => clientFirstMessage("t", { auth: "x" })).toThrow(SaslFailure);
    expect(() => clientFirstMessage("t", { "a-b": "x" })).toThrow(SaslFailure);
  });

  test("the cache reuses a token until 80 % of its lifetime has passed", async () => {
    let calls = 0;
    const cache = new TokenCache(async () => ({ value: `t${++calls}`, lifetimeMs: 1_000_000 + 10_000 }));
    expect((await cache.get(1_000_000)).value).toBe("t1");
    expect((await cache.get(1_007_999)).value).toBe("t1");
    expect((await cache.get(1_008_000)).value).toBe("t2");
  });

  test("a provider failure or an expired token is a SaslFailure", async () => {
    await expect(new TokenCache(async () => { throw new Error("idp down"); }).get()).rejects.toThrow("The OAUTHBEARER token provider failed: idp down");
    await expect(new TokenCache(async () => ({ value: "t", lifetimeMs: 1 })).get()).rejects.toThrow("has expired");
    await expect(new TokenCache(async () => ({ value: "a b", lifetimeMs: Date.now() + 1e6 })).get()).rejects.toThrow(SaslFailure);
  });

  test("a refused token: the client answers %x01 and reports the broker's JSON", async () => {
    const m = new OAuthBearerMechanism(new TokenCache(async () => ({ value: "t", lifetimeMs: Date.now() + 60_000 })));
    const sent: Uint8Array[] = [];
    await expect(m.authenticate(async (t) => {
      sent.push(t);
      return sent.length === 1 ? bytes('{"status":"invalid_token"}') : new Uint8Array(0);
    })).rejects.toThrow('The broker refused the token: {"status":"invalid_token"}');
    expect([...sent[1]!]).toEqual([1]);
  });
});

describe("sasl.jaas.config", () => {
  test.each([
    ['org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";', { username: "alice", password: "alice-secret" }],
    ['  org.apache.kafka.common.security.scram.ScramLoginModule   REQUIRED\n username=alice\tpassword="p;w=\\"x\\"\\\\" ; ', { username: "alice", password: 'p;w="x"\\' }],
    ["org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required /* c */ clientId=\"alice\" // x\n scope=\"kafka\";", { clientId: "alice", scope: "kafka" }],
    ['x.LoginModule optional;', {}],
  ])("%s", (jaas, options) => {
    expect(Object.fromEntries(parseJaas(jaas).options)).toEqual(options);
  });

  test.each([
    ["", "it is empty"],
    ['org.Plain username="a";', "expected a control flag"],
    ['org.Plain required username="a"', `expected ";" at the end`],
    ['org.Plain required username "a";', `expected "=" after option "username"`],
    ['org.Plain required password="secret-value', "an unterminated quoted value"],
    ['org.Plain required username=;', `expected a value for option "username"`],
    ['a.A required; b.B required;', "expected one login module entry only"],
  ])("%s is refused without quoting values", (jaas, problem) => {
    let error: unknown;
    try {
      resolveConfig({ bootstrapServers: "b:1", saslJaasConfig: jaas });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe("sasl.jaas.config");
    expect((error as Error).message).toContain(problem);
    expect((error as Error).message).not.toContain("secret-value");
  });
});

describe("SASL configuration", () => {
  const base = { bootstrapServers: "b:9094", securityProtocol: "SASL_SSL" };
  const configError = (options: Record<string, unknown>, key: string, message: string | RegExp) => {
    let error: unknown;
    try {
      resolveConfig({ ...base, ...options });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("alice-secret");
  };

  test("Java keys: SCRAM from sasl.jaas.config; the password prints as [hidden]", () => {
    const c = resolveConfig({ ...base, "sasl.mechanism": "SCRAM-SHA-512",
      "sasl.jaas.config": 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";' });
    expect(c.sasl).toMatchObject({ mechanism: "SCRAM-SHA-512", username: "alice" });
    expect((c.sasl as { password: Password }).password.value()).toBe("alice-secret");
    expect(JSON.stringify(c)).not.toContain("alice-secret");
    expect(String(c.saslJaasConfig)).toBe("[hidden]");
    expect(c.tls).not.toBeNull();
  });

  test("the sasl option, and SASL_PLAINTEXT without TLS", () => {
    const c = resolveConfig({ ...base, securityProtocol: "SASL_PLAINTEXT", sasl: { mechanism: "PLAIN", username: "alice", password: "alice-secret" } });
    expect(c.sasl?.mechanism).toBe("PLAIN");
    expect(c.tls).toBeNull();
    expect(JSON.stringify(c)).not.toContain("alice-secret");
  });

  test("OIDC from the KIP-768 keys or the JAAS options", () => {
    const c = resolveConfig({ ...base, saslMechanism: "OAUTHBEARER", saslOauthbearerTokenEndpointUrl: "http://127.0.0.1:1/token",
      saslOauthbearerClientCredentialsClientId: "alice", saslOauthbearerClientCredentialsClientSecret: "alice-secret" });
    expect(c.sasl?.mechanism).toBe("OAUTHBEARER");
    expect(typeof (c.sasl as { token: unknown }).token).toBe("function");
    expect(JSON.stringify(c)).not.toContain("alice-secret");
    const j = resolveConfig({ ...base, saslMechanism: "OAUTHBEARER", "sasl.oauthbearer.token.endpoint.url": "https://idp/token",
      "sasl.login.callback.handler.class": "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
      saslJaasConfig: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="alice" clientSecret="alice-secret";' });
    expect(j.sasl?.mechanism).toBe("OAUTHBEARER");
  });

  test("SASL keys without a SASL protocol are ignored with a note", () => {
    const c = resolveConfig({ bootstrapServers: "b:1", saslMechanism: "PLAIN" });
    expect(c.sasl).toBeNull();
    expect(c.notes).toContain(`sasl.mechanism is ignored: security.protocol is "PLAINTEXT"`);
  });

  test.each([
    [{ saslMechanism: "GSSAPI" }, "sasl.mechanism", `Value "GSSAPI" of "saslMechanism" is not supported by edgekafka: it has no Kerberos`],
    [{ "sasl.mechanism": "AWS_MSK_IAM" }, "sasl.mechanism", /OAUTHBEARER with a token provider/],
    [{}, "sasl.mechanism", `security.protocol "SASL_SSL" needs "sasl.mechanism"`],
    [{ saslMechanism: "SCRAM-SHA-256" }, "sasl.jaas.config", `sasl.mechanism "SCRAM-SHA-256" needs a user name and password: set "sasl.jaas.config"`],
    [{ saslMechanism: "PLAIN", saslJaasConfig: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";' },
      "sasl.jaas.config", /names login module "org.apache.kafka.common.security.scram.ScramLoginModule", which does not do PLAIN/],
    [{ saslMechanism: "PLAIN", saslJaasConfig: 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice";' },
      "sasl.jaas.config", /needs a user name and password/],
    [{ saslMechanism: "OAUTHBEARER" }, "sasl.oauthbearer.token.endpoint.url", /needs a token/],
    [{ saslMechanism: "OAUTHBEARER", saslOauthbearerTokenEndpointUrl: "https://idp/token" }, "sasl.oauthbearer.client.credentials.client.id", /no client id/],
    [{ saslMechanism: "OAUTHBEARER", saslOauthbearerTokenEndpointUrl: "ftp://idp/token" }, "sasl.oauthbearer.token.endpoint.url", /expected an http/],
    [{ saslMechanism: "SCRAM-SHA-512", sasl: { mechanism: "PLAIN", username: "a", password: "alice-secret" } }, "sasl.mechanism", /Conflicting SASL mechanisms/],
    [{ sasl: { mechanism: "PLAIN", username: "a" } }, "sasl", /PLAIN needs password/],
    [{ sasl: { mechanism: "OAUTHBEARER", token: "alice-secret" } }, "sasl", /OAUTHBEARER needs token/],
    [{ "sasl.login.callback.handler.class": "com.example.Handler" }, "sasl.login.callback.handler.class", /callback handlers cannot be loaded/],
  ])("%j → ConfigError", (options, key, message) => configError(options, key, message));
});
