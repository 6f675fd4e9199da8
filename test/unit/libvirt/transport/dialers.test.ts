import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DialError, InvalidUriError, TransportUnsupportedError } from "../../../../provider/libvirt/errors";
import { dialerForUri } from "../../../../provider/libvirt/transport/dialers";
import { LibsshDialer } from "../../../../provider/libvirt/transport/libssh";
import { SshDialer } from "../../../../provider/libvirt/transport/ssh";
import { UnixDialer } from "../../../../provider/libvirt/transport/unix";

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
    ["qemu+tls://host/system", "tls"],
    ["qemu://host/system", "tls"],
    ["qemu+tcp://host/system", "tcp"],
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
    expect((caught as Error).message).toMatch(/not implemented yet/);
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

  test("missing socket → DialError with cause and a hint", async () => {
    const err = await new UnixDialer(join(dir, "missing")).dial().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DialError);
    expect(err).toMatchObject({ code: "DIAL_FAILED" });
    expect((err as Error).message).toMatch(/ENOENT.*is libvirtd running/);
    expect((err as Error).cause).toMatchObject({ code: "ENOENT" });
  });
});
