/**
 * TlsDialer and TcpDialer against in-process servers on loopback (certificates made with
 * openssl in a qvt-pki- temp dir): the confirmation byte, each verification failure as its
 * typed error, no_verify=1, one TLS record per write, and the error classification table.
 */
import { rmSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import * as tls from "node:tls";
import { readFileSync } from "node:fs";
import { DialError, TlsCertExpiredError, TlsClientRejectedError, TlsHostnameMismatchError, TlsServerUntrustedError } from "../../../../provider/libvirt/errors";
import { resolvePkiPaths } from "../../../../provider/libvirt/transport/pki";
import { TcpDialer } from "../../../../provider/libvirt/transport/tcp";
import { classifyTlsError, TlsDialer, type TlsErrorContext } from "../../../../provider/libvirt/transport/tls";
import { clientPkiDir, makeCa, signCert, tempPkiDir, type Signer } from "../../../fakes/pki";

const root = { euid: 0, home: "/root", exists: () => false };

describe("classifyTlsError", () => {
  const ctx: TlsErrorContext = { target: "tls:kvm1:16514", host: "kvm1", caPath: "/p/cacert.pem", certPath: "/p/clientcert.pem", stage: "handshake" };
  const cases: Record<string, { code: string; stage?: "confirm"; expect: string; says: RegExp }> = {
    "leaf not signed by our CA": { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", expect: "TLS_SERVER_UNTRUSTED", says: /not trusted by CA \/p\/cacert.pem/ },
    "self-signed server": { code: "DEPTH_ZERO_SELF_SIGNED_CERT", expect: "TLS_SERVER_UNTRUSTED", says: /no_verify=1/ },
    "self-signed in chain": { code: "SELF_SIGNED_CERT_IN_CHAIN", expect: "TLS_SERVER_UNTRUSTED", says: /tls:kvm1:16514/ },
    "name not in the certificate": { code: "ERR_TLS_CERT_ALTNAME_INVALID", expect: "TLS_HOSTNAME_MISMATCH", says: /not valid for the name "kvm1"/ },
    "expired": { code: "CERT_HAS_EXPIRED", expect: "TLS_CERT_EXPIRED", says: /validity period/ },
    "not yet valid": { code: "CERT_NOT_YET_VALID", expect: "TLS_CERT_EXPIRED", says: /clocks/ },
    "nothing listening": { code: "ECONNREFUSED", expect: "DIAL_FAILED", says: /nothing is listening there; is libvirtd running with --listen/ },
    "no route": { code: "EHOSTUNREACH", expect: "DIAL_FAILED", says: /cannot be reached/ },
    "not a TLS port": { code: "ERR_SSL_WRONG_VERSION_NUMBER", expect: "DIAL_FAILED", says: /TLS handshake with tls:kvm1:16514 failed/ },
    "reset after the handshake: the server refused our certificate": { code: "ECONNRESET", stage: "confirm", expect: "TLS_CLIENT_REJECTED", says: /refused the TLS client \(client certificate \/p\/clientcert.pem\)/ },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const cause = Object.assign(new Error(c.code), { code: c.code });
    const err = classifyTlsError(cause, { ...ctx, stage: c.stage ?? "handshake" });
    expect(err).toMatchObject({ code: c.expect, cause });
    expect(err.message).toMatch(c.says);
  });
});

describe("TlsDialer against an in-process TLS server", () => {
  let dir: string;
  let ca: Signer;
  let otherCa: Signer;
  let good: string; // pkipath trusting `ca` with a client cert
  let wrongCa: string; // pkipath trusting `otherCa`
  const servers: net.Server[] = [];
  const conns: net.Socket[] = [];
  const track = (server: net.Server): void => {
    server.on("connection", (c: net.Socket) => conns.push(c));
    servers.push(server);
  };

  beforeAll(() => {
    dir = tempPkiDir();
    ca = makeCa(dir, "ca");
    otherCa = makeCa(dir, "other", "other CA");
    for (const [name, san, days] of [["server", "DNS:localhost,IP:127.0.0.1", 1], ["expired", "DNS:localhost,IP:127.0.0.1", -1], ["elsewhere", "DNS:elsewhere.example", 1]] as const) {
      signCert(ca, { cn: name, usage: "server", san, days }, join(dir, `${name}.pem`), join(dir, `${name}-key.pem`));
    }
    good = clientPkiDir(ca.cert, ca);
    wrongCa = clientPkiDir(otherCa.cert, ca);
  });
  afterAll(() => {
    for (const d of [dir, good, wrongCa]) rmSync(d, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** A TLS server with certificate `name` that runs `onSecure` per connection; resolves its port. */
  async function serve(name: string, onSecure: (s: tls.TLSSocket) => void): Promise<number> {
    const server = tls.createServer({
      cert: readFileSync(join(dir, `${name}.pem`)), key: readFileSync(join(dir, `${name}-key.pem`)), ca: readFileSync(ca.cert), requestCert: true, rejectUnauthorized: false,
    }, onSecure);
    server.on("tlsClientError", () => undefined);
    track(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return (server.address() as net.AddressInfo).port;
  }
  const accept = (s: tls.TLSSocket): void => {
    s.on("error", () => undefined);
    s.write(Buffer.from([1]));
    s.on("data", (d) => s.write(d)); // echo
  };
  const dialer = (host: string, port: number, pkipath: string, noVerify = false) =>
    new TlsDialer(host, port, resolvePkiPaths(pkipath, root), { noVerify, timeoutMs: 5000 });

  test("\\x01 after the handshake: connected, the byte is consumed and nothing after it", async () => {
    const port = await serve("server", (s) => {
      s.write(Buffer.concat([Buffer.from([1]), Buffer.from("rpc")]));
    });
    const sock = await dialer("localhost", port, good).dial();
    const first = await new Promise<Buffer>((r) => sock.once("data", r));
    expect(first.toString()).toBe("rpc");
    sock.destroy();
  });

  test("the server presents-checks our client certificate (it sees it signed by its CA)", async () => {
    let authorized: boolean | undefined;
    const port = await serve("server", (s) => {
      authorized = s.authorized;
      accept(s);
    });
    (await dialer("127.0.0.1", port, good).dial()).destroy();
    expect(authorized).toBe(true);
  });

  const failures: Record<string, { server: string; host?: string; pki: () => string; onSecure?: (s: tls.TLSSocket) => void; noVerify?: boolean; error: unknown; code: string }> = {
    "server answers 0x00 → TlsClientRejectedError": { server: "server", pki: () => good, onSecure: (s) => s.end(Buffer.from([0])), error: TlsClientRejectedError, code: "TLS_CLIENT_REJECTED" },
    "server closes after the handshake → TlsClientRejectedError": { server: "server", pki: () => good, onSecure: (s) => s.destroy(), error: TlsClientRejectedError, code: "TLS_CLIENT_REJECTED" },
    "server signed by another CA → TlsServerUntrustedError": { server: "server", pki: () => wrongCa, error: TlsServerUntrustedError, code: "TLS_SERVER_UNTRUSTED" },
    "expired server certificate → TlsCertExpiredError": { server: "expired", pki: () => good, error: TlsCertExpiredError, code: "TLS_CERT_EXPIRED" },
    "certificate for another name → TlsHostnameMismatchError": { server: "elsewhere", pki: () => good, error: TlsHostnameMismatchError, code: "TLS_HOSTNAME_MISMATCH" },
    "IP not in the SAN → TlsHostnameMismatchError": { server: "elsewhere", host: "127.0.0.1", pki: () => good, error: TlsHostnameMismatchError, code: "TLS_HOSTNAME_MISMATCH" },
  };
  test.each(Object.entries(failures))("%s", async (_name, c) => {
    const port = await serve(c.server, c.onSecure ?? accept);
    const t0 = Date.now();
    const err = await dialer(c.host ?? "localhost", port, c.pki(), c.noVerify).dial().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(c.error);
    expect(err).toMatchObject({ code: c.code });
    expect((err as Error).message).toContain(`:${port}`);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  test.each([["wrong CA", "server", () => wrongCa], ["expired", "expired", () => good], ["other name", "elsewhere", () => good]] as const)(
    "no_verify=1 accepts a server certificate that fails verification: %s", async (_n, server, pki) => {
      const port = await serve(server, accept);
      (await dialer("localhost", port, pki(), true).dial()).destroy();
    });

  test("nothing listening → DialError naming host:port", async () => {
    const port = await serve("server", accept);
    await new Promise((r) => servers.pop()!.close(r));
    const err = await dialer("127.0.0.1", port, good).dial().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DialError);
    expect((err as Error).message).toMatch(new RegExp(`tls:127.0.0.1:${port} \\(ECONNREFUSED\\): nothing is listening`));
  });

  test("each write is its own TLS record (frames queued behind a write are not coalesced)", async () => {
    // A TCP relay in front of the server counts the client's TLS records (5-byte headers).
    let received = 0;
    const port = await serve("server", (s) => {
      s.write(Buffer.from([1]));
      s.on("data", (d) => (received += d.length));
    });
    let records = 0;
    const relay = net.createServer((c) => {
      const up = net.connect(port, "127.0.0.1");
      conns.push(up);
      let buf = Buffer.alloc(0);
      c.on("data", (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
          if (buf[0] === 0x17) records++;
          buf = buf.subarray(5 + buf.readUInt16BE(3));
        }
      });
      c.pipe(up).pipe(c);
      c.on("error", () => up.destroy());
      up.on("error", () => c.destroy());
    });
    track(relay);
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    const sock = await dialer("localhost", (relay.address() as net.AddressInfo).port, good).dial();
    conns.push(sock as net.Socket);
    const before = records;
    for (let i = 0; i < 50; i++) sock.write(Buffer.alloc(64, i));
    const deadline = Date.now() + 3000;
    while (received < 50 * 64 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(received).toBe(50 * 64);
    expect(records - before).toBe(50);
    sock.destroy();
  });
});

describe("TcpDialer", () => {
  test("connects; nothing listening → DialError naming host:port with the --listen hint", async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const d = new TcpDialer("127.0.0.1", port);
    expect(d).toMatchObject({ target: `tcp:127.0.0.1:${port}`, remote: true });
    (await d.dial()).destroy();
    await new Promise((r) => server.close(r));
    const err = await d.dial().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DIAL_FAILED", cause: { code: "ECONNREFUSED" } });
    expect((err as Error).message).toMatch(/tcp:127\.0\.0\.1:\d+ \(ECONNREFUSED\): nothing is listening there; .*listen_tcp = 1/);
  });

  test("an aborted signal gives up at once", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(new TcpDialer("127.0.0.1", 1).dial(ac.signal)).rejects.toThrow(/connect deadline passed/);
  });
});
