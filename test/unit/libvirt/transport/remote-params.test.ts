import { InvalidUriError } from "../../../../provider/libvirt/errors";
import { remoteHost, remotePort, tlsDialerParams } from "../../../../provider/libvirt/transport/remote-params";
import { parseLibvirtUri } from "../../../../provider/libvirt/transport/uri";

const root = { euid: 0, home: "/root", exists: () => false };

describe("network URI parameters", () => {
  const cases: Record<string, { uri: string; host?: string; port?: number; noVerify?: boolean; ca?: string; error?: RegExp }> = {
    "tls, default port and PKI": { uri: "qemu+tls://kvm1/system", host: "kvm1", port: 16514, noVerify: false, ca: "/etc/pki/CA/cacert.pem" },
    "qemu://host is TLS": { uri: "qemu://kvm1/system", host: "kvm1", port: 16514 },
    "explicit port": { uri: "qemu+tls://kvm1:1234/system", port: 1234 },
    "IPv6 literal without brackets": { uri: "qemu+tls://[::1]:16514/system", host: "::1" },
    "pkipath": { uri: "qemu+tls://kvm1/system?pkipath=/srv/pki", ca: "/srv/pki/cacert.pem" },
    "no_verify=1": { uri: "qemu+tls://kvm1/system?no_verify=1", noVerify: true },
    "no_verify=0": { uri: "qemu+tls://kvm1/system?no_verify=0", noVerify: false },
    "no_verify=yes refused": { uri: "qemu+tls://kvm1/system?no_verify=yes", error: /no_verify must be 0 or 1/ },
    "relative pkipath refused": { uri: "qemu+tls://kvm1/system?pkipath=pki", error: /pkipath must be an absolute directory/ },
    "no host refused": { uri: "qemu+tls:///system", error: /needs a host name/ },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const run = () => {
      const u = parseLibvirtUri(c.uri);
      const p = tlsDialerParams(u, root);
      return { host: remoteHost(u), port: remotePort(u, p.defaultPort), noVerify: p.noVerify, ca: p.pki.ca };
    };
    if (c.error) {
      expect(run).toThrow(InvalidUriError);
      expect(run).toThrow(c.error);
      return;
    }
    const got = run();
    if (c.host !== undefined) expect(got.host).toBe(c.host);
    if (c.port !== undefined) expect(got.port).toBe(c.port);
    if (c.noVerify !== undefined) expect(got.noVerify).toBe(c.noVerify);
    if (c.ca !== undefined) expect(got.ca).toBe(c.ca);
  });

  test("tcp default port 16509", () => {
    expect(remotePort(parseLibvirtUri("qemu+tcp://kvm1/system"), 16509)).toBe(16509);
  });
});
