import { InvalidUriError } from "../../../../provider/libvirt/errors";
import { sshParams } from "../../../../provider/libvirt/transport/ssh-params";
import { parseLibvirtUri } from "../../../../provider/libvirt/transport/uri";

const params = (uri: string) => sshParams(parseLibvirtUri(uri));

describe("sshParams", () => {
  const cases: Record<string, { uri: string; expected: Record<string, unknown> }> = {
    "defaults": {
      uri: "qemu+ssh://kvm1/system",
      expected: {
        host: "kvm1", port: 22, explicitPort: false, user: undefined, keyfile: undefined, knownHosts: undefined,
        knownHostsVerify: "normal", noVerify: false, noTty: true, sshauth: ["agent", "privkey"], netcat: undefined,
        socket: "/run/libvirt/libvirt-sock", proxy: "auto", command: "ssh", serverName: "qemu:///system",
      },
    },
    "everything given": {
      uri: "qemu+libssh://root@kvm1:2222/session?keyfile=/k&known_hosts=/kh&known_hosts_verify=auto&sshauth=privkey&socket=/s&no_verify=1&no_tty=0&command=/bin/myssh",
      expected: {
        port: 2222, explicitPort: true, user: "root", keyfile: "/k", knownHosts: "/kh", knownHostsVerify: "auto",
        sshauth: ["privkey"], socket: "/s", noVerify: true, noTty: false, command: "/bin/myssh", serverName: "qemu:///session",
      },
    },
    "netcat= under proxy=auto means proxy=netcat (as libvirt)": {
      uri: "qemu+ssh://kvm1/system?netcat=/usr/bin/nc.openbsd",
      expected: { proxy: "netcat", netcat: "/usr/bin/nc.openbsd" },
    },
    "unknown params stay in the server name": {
      uri: "qemu+ssh://kvm1/system?keyfile=/k&foo=bar",
      expected: { serverName: "qemu:///system?foo=bar" },
    },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(params(c.uri)).toMatchObject(c.expected);
  });

  const invalid: Record<string, { uri: string; message: RegExp }> = {
    "no host": { uri: "qemu+ssh:///system", message: /needs a host name/ },
    "proxy value": { uri: "qemu+ssh://kvm1/system?proxy=socks", message: /proxy must be one of auto, netcat, native/ },
    "netcat with native": { uri: "qemu+ssh://kvm1/system?proxy=native&netcat=nc", message: /netcat= is not valid with proxy=native/ },
    "known_hosts_verify value": { uri: "qemu+libssh://kvm1/system?known_hosts_verify=yes", message: /known_hosts_verify must be one of/ },
    "password auth": { uri: "qemu+libssh://kvm1/system?sshauth=password", message: /sshauth method "password" is not supported/ },
    "no_verify not a number": { uri: "qemu+ssh://kvm1/system?no_verify=yes", message: /no_verify must be 0 or 1/ },
    "relative socket": { uri: "qemu+ssh://kvm1/system?socket=run/sock", message: /socket must be an absolute path/ },
  };
  test.each(Object.entries(invalid))("invalid: %s", (_name, c) => {
    expect(() => params(c.uri)).toThrow(InvalidUriError);
    expect(() => params(c.uri)).toThrow(c.message);
  });
});
