import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DialError, InvalidUriError, SocketNotFoundError, TransportUnsupportedError } from "../../../../provider/libvirt/errors";
import { dialerForUri } from "../../../../provider/libvirt/transport/dialers";
import { LibsshDialer } from "../../../../provider/libvirt/transport/libssh";
import { SshDialer } from "../../../../provider/libvirt/transport/ssh";
import { UnixDialer } from "../../../../provider/libvirt/transport/unix";
import { parseLibvirtUri } from "../../../../provider/libvirt/transport/uri";
import { TcpDialer } from "../../../../provider/libvirt/transport/tcp";
import { TlsDialer } from "../../../../provider/libvirt/transport/tls";

describe("dialerForUri", () => {
  test.each([
    ["qemu:///system", "/run/libvirt/libvirt-sock"],
    ["qemu+unix:///system", "/run/libvirt/libvirt-sock"],
    ["qemu+unix:///system?socket=/tmp/s", "/tmp/s"],
  ])("%s → UnixDialer(%s)", (uri, path) => {
    const d = dialerForUri(uri);
    expect(d).toBeInstanceOf(UnixDialer);
    expect((d as UnixDialer).path).toBe(path);
  });

  test.each([
    ["qemu+ext:///system?command=/bin/x", "ext"],
  ])("%s → TransportUnsupportedError(%s)", (uri, transport) => {
    let caught: unknown;
    try {
      dialerForUri(uri);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TransportUnsupportedError);
    expect(caught).toMatchObject({ code: "TRANSPORT_UNSUPPORTED", transport });
    expect((caught as Error).message).toMatch(/is not supported; supported: unix, ssh, libssh, libssh2, tls, tcp, or pass a custom Dialer/);
  });

  test.each([
    ["qemu+ssh://root@host/system", SshDialer, "ssh:root@host:22"],
    ["qemu+ssh://host:2222/system?keyfile=/k", SshDialer, "ssh:host:2222"],
    ["qemu+libssh://root@host/system", LibsshDialer, "libssh:root@host:22"],
    ["qemu+libssh2://host/system", LibsshDialer, "libssh:root@host:22"],
  ] as const)("%s → remote %p (%s)", (uri, cls, target) => {
    const d = dialerForUri(uri);
    expect(d).toBeInstanceOf(cls);
    expect(d).toMatchObject({ remote: true, target });
  });

  test("ssh transport without a host is invalid", () => {
    expect(() => dialerForUri("qemu+ssh:///system")).toThrow(InvalidUriError);
  });

  const probe = (files: string[]) => ({ exists: (p: string) => files.includes(p), euid: 0, env: {} });
  test.each([
    ["qemu:///system", false, ["/run/libvirt/virtqemud-sock"], "/run/libvirt/virtqemud-sock"],
    ["qemu:///system?mode=legacy", false, ["/run/libvirt/virtqemud-sock"], "/run/libvirt/libvirt-sock"],
    ["qemu:///system", true, ["/run/libvirt/libvirt-sock-ro"], "/run/libvirt/libvirt-sock-ro"],
    ["qemu:///system?mode=direct", true, [], "/run/libvirt/virtqemud-sock-ro"],
    ["qemu:///system?socket=/tmp/s", true, [], "/tmp/s"],
  ] as const)("%s readOnly=%s with %j → dials %s", (uri, readOnly, files, path) => {
    const d = new UnixDialer(parseLibvirtUri(uri), { readOnly, probe: probe([...files]) });
    expect(d.path).toBe(path);
    expect(d.target).toBe(`unix:${path}`);
  });

  test.each([
    ["qemu+tls://kvm1/system", TlsDialer, "tls:kvm1:16514"],
    ["qemu://kvm1/system?pkipath=/srv/pki", TlsDialer, "tls:kvm1:16514"],
    ["qemu+tls://kvm1:1234/system?no_verify=1", TlsDialer, "tls:kvm1:1234"],
    ["qemu+tcp://kvm1/system", TcpDialer, "tcp:kvm1:16509"],
    ["qemu+tcp://127.0.0.1:1600/system", TcpDialer, "tcp:127.0.0.1:1600"],
  ] as const)("%s → %p at %s (remote)", (uri, cls, target) => {
    const d = dialerForUri(uri);
    expect(d).toBeInstanceOf(cls);
    expect(d).toMatchObject({ target, remote: true });
  });

  test("tls: pkipath= picks the PKI files; no_verify=1 is passed on", () => {
    const d = dialerForUri("qemu+tls://kvm1/system?pkipath=/srv/pki&no_verify=1") as TlsDialer;
    expect(d.pki).toMatchObject({ ca: "/srv/pki/cacert.pem", cert: "/srv/pki/clientcert.pem", key: "/srv/pki/clientkey.pem" });
    expect(d).toMatchObject({ opts: { noVerify: true } });
  });

  test("unix transport with a host is invalid", () => {
    expect(() => dialerForUri("qemu+unix://host/system")).toThrow(InvalidUriError);
  });
});

describe("UnixDialer", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "dialer-test-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("connects to a listening socket", async () => {
    const path = join(dir, "sock");
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(path, r));
    const sock = await new UnixDialer(path).dial();
    sock.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test("missing socket → SocketNotFoundError with cause and a hint", async () => {
    const err = await new UnixDialer(join(dir, "missing")).dial().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocketNotFoundError);
    expect(err).toMatchObject({ code: "SOCKET_NOT_FOUND", paths: [join(dir, "missing")] });
    expect((err as Error).message).toMatch(/no libvirt socket at .*missing \(ENOENT\); start the libvirt daemon/);
    expect((err as Error).cause).toMatchObject({ code: "ENOENT" });
  });

  test("stale socket file (nobody listening) → DialError naming the daemon", async () => {
    const path = join(dir, "stale");
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(path, r));
    // close() unlinks the socket file; keep the name around as a plain socket-less leftover instead
    await new Promise<void>((r) => server.close(() => r()));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path, "");
    const err = await new UnixDialer(path).dial().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DialError);
    expect((err as Error).message).toMatch(/is the libvirt daemon running/);
  });
});
