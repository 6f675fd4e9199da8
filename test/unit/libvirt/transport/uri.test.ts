import { InvalidUriError } from "../../../../provider/libvirt/errors";
import { DEFAULT_SYSTEM_SOCKET, parseLibvirtUri, unixSocketPath } from "../../../../provider/libvirt/transport/uri";

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
