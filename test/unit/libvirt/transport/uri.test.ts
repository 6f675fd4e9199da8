import { InvalidUriError } from "../../../../provider/libvirt/errors";
import { DEFAULT_SYSTEM_SOCKET, parseLibvirtUri, resolveUnixSocket, unixSocketPath } from "../../../../provider/libvirt/transport/uri";

const cases = {
  "qemu:///system": { transport: "unix", host: "", path: "/system", serverName: "qemu:///system", socket: DEFAULT_SYSTEM_SOCKET },
  "qemu+unix:///system?socket=/tmp/x/libvirt-sock": {
    transport: "unix",
    host: "",
    path: "/system",
    serverName: "qemu:///system",
    socket: "/tmp/x/libvirt-sock",
  },
  "qemu+unix:///system?socket=/tmp/sock&mode=legacy&foo=bar": {
    transport: "unix",
    host: "",
    path: "/system",
    serverName: "qemu:///system?foo=bar",
    socket: "/tmp/sock",
  },
  "qemu+ssh://root@host.example:2222/system?keyfile=/k": {
    transport: "ssh",
    host: "host.example",
    path: "/system",
    serverName: "qemu:///system",
    socket: DEFAULT_SYSTEM_SOCKET,
  },
  "qemu+tls://host/system": { transport: "tls", host: "host", path: "/system", serverName: "qemu:///system", socket: DEFAULT_SYSTEM_SOCKET },
  "qemu://host/system (no transport + host = tls)": {
    transport: "tls",
    host: "host",
    path: "/system",
    serverName: "qemu:///system",
    socket: DEFAULT_SYSTEM_SOCKET,
  },
  "qemu:///system?name=qemu:///embed": { transport: "unix", host: "", path: "/system", serverName: "qemu:///embed", socket: DEFAULT_SYSTEM_SOCKET },
};

describe("parseLibvirtUri", () => {
  test.each(Object.entries(cases))("%s", (name, c) => {
    const uri = name.replace(/ \(.*\)$/, "");
    const u = parseLibvirtUri(uri);
    expect(u.driver).toBe("qemu");
    expect(u.transport).toBe(c.transport);
    expect(u.host).toBe(c.host);
    expect(u.path).toBe(c.path);
    expect(u.serverName).toBe(c.serverName);
    expect(unixSocketPath(u, {})).toBe(c.socket);
  });

  test("ssh URI keeps user and port", () => {
    const u = parseLibvirtUri("qemu+ssh://root@h:2222/system");
    expect(u.user).toBe("root");
    expect(u.port).toBe("2222");
  });

  test("session socket comes from XDG_RUNTIME_DIR", () => {
    expect(unixSocketPath(parseLibvirtUri("qemu:///session"), { XDG_RUNTIME_DIR: "/run/user/1000" })).toBe(
      "/run/user/1000/libvirt/libvirt-sock",
    );
    expect(() => unixSocketPath(parseLibvirtUri("qemu:///session"), {})).toThrow(InvalidUriError);
  });

  test.each([["not a uri", "system"], ["empty", ""], ["empty transport", "qemu+:///system"]])("rejects %s", (_name, uri) => {
    expect(() => parseLibvirtUri(uri)).toThrow(InvalidUriError);
  });
});

describe("resolveUnixSocket (libvirt remote_sockets.c rules, injected file system)", () => {
  const SYS = "/run/libvirt";
  const USER = "/run/user/1000/libvirt";
  const env = { XDG_RUNTIME_DIR: "/run/user/1000", HOME: "/home/u" };
  const cases: Record<string, {
    uri: string; files: string[]; euid?: number; readOnly?: boolean; env?: NodeJS.ProcessEnv;
    mode: string; daemon: string; path: string; ro?: string | undefined; considered?: string[];
  }> = {
    "monolithic host: auto finds libvirt-sock": {
      uri: "qemu:///system", files: [`${SYS}/libvirt-sock`], mode: "legacy", daemon: "libvirtd", path: `${SYS}/libvirt-sock`,
      ro: `${SYS}/libvirt-sock-ro`, considered: [`${SYS}/virtqemud-sock`, `${SYS}/libvirt-sock`],
    },
    "modular host without virtproxyd: auto finds virtqemud-sock": {
      uri: "qemu:///system", files: [`${SYS}/virtqemud-sock`], mode: "direct", daemon: "virtqemud", path: `${SYS}/virtqemud-sock`, ro: `${SYS}/virtqemud-sock-ro`,
    },
    "both present: auto prefers the direct socket (libvirt checks it first)": {
      uri: "qemu:///system", files: [`${SYS}/virtqemud-sock`, `${SYS}/libvirt-sock`], mode: "direct", daemon: "virtqemud", path: `${SYS}/virtqemud-sock`,
    },
    "nothing present: auto falls back to legacy and lists both paths": {
      uri: "qemu:///system", files: [], mode: "legacy", daemon: "libvirtd", path: `${SYS}/libvirt-sock`,
      considered: [`${SYS}/virtqemud-sock`, `${SYS}/libvirt-sock`],
    },
    "mode=legacy ignores a present virtqemud-sock": {
      uri: "qemu:///system?mode=legacy", files: [`${SYS}/virtqemud-sock`], mode: "legacy", daemon: "libvirtd", path: `${SYS}/libvirt-sock`, considered: [`${SYS}/libvirt-sock`],
    },
    "mode=direct even when only libvirt-sock exists": {
      uri: "qemu+unix:///system?mode=direct", files: [`${SYS}/libvirt-sock`], mode: "direct", daemon: "virtqemud", path: `${SYS}/virtqemud-sock`, considered: [`${SYS}/virtqemud-sock`],
    },
    "socket= wins over mode": {
      uri: "qemu+unix:///system?socket=/tmp/s&mode=direct", files: [`${SYS}/virtqemud-sock`], mode: "socket", daemon: "the libvirt daemon", path: "/tmp/s", ro: undefined,
    },
    "readOnly: auto checks the -ro socket": {
      uri: "qemu:///system", readOnly: true, files: [`${SYS}/virtqemud-sock`], mode: "legacy", daemon: "libvirtd", path: `${SYS}/libvirt-sock`,
      considered: [`${SYS}/virtqemud-sock-ro`, `${SYS}/libvirt-sock-ro`],
    },
    "session as a user: XDG_RUNTIME_DIR, no -ro socket": {
      uri: "qemu:///session", euid: 1000, files: [`${USER}/libvirt-sock`], mode: "legacy", daemon: "libvirtd", path: `${USER}/libvirt-sock`, ro: undefined,
    },
    "session as a user on a modular host: virtqemud-sock": {
      uri: "qemu:///session", euid: 1000, files: [`${USER}/virtqemud-sock`], mode: "direct", daemon: "virtqemud", path: `${USER}/virtqemud-sock`,
    },
    "session as a user without XDG_RUNTIME_DIR: ~/.cache/libvirt": {
      uri: "qemu:///session", euid: 1000, env: { HOME: "/home/u" }, files: [], mode: "legacy", daemon: "libvirtd", path: "/home/u/.cache/libvirt/libvirt-sock",
    },
    "session as root: the system daemon (libvirt only uses the user daemon for euid > 0)": {
      uri: "qemu:///session", euid: 0, files: [`${USER}/libvirt-sock`, `${SYS}/libvirt-sock`], mode: "legacy", daemon: "libvirtd", path: `${SYS}/libvirt-sock`,
    },
  };

  test.each(Object.entries(cases))("%s", (_name, c) => {
    const files = new Set(c.files);
    const probe = { exists: (p: string) => files.has(p), euid: c.euid ?? 0, env: c.env ?? env };
    const got = resolveUnixSocket(parseLibvirtUri(c.uri), probe, c.readOnly ?? false);
    expect(got).toMatchObject({ mode: c.mode, daemon: c.daemon, path: c.path });
    if ("ro" in c) expect(got.readOnlyPath).toBe(c.ro);
    if (c.considered) expect(got.considered).toEqual(c.considered);
  });

  test.each([
    ["qemu:///system?mode=proxy", /mode must be one of auto, legacy, direct, not "proxy"/],
    ["qemu:///session", /neither XDG_RUNTIME_DIR nor HOME/],
  ])("%s → InvalidUriError", (uri, msg) => {
    const probe = { exists: () => false, euid: 1000, env: {} };
    expect(() => resolveUnixSocket(parseLibvirtUri(uri), probe)).toThrow(msg);
  });
});
