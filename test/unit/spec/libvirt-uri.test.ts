/**
 * The transport table the URI check reads (provider/spec/libvirt-uri.ts) agrees with what the
 * libvirt client can dial (provider/libvirt/transport/dialers.ts): a row turned to implemented
 * without a dialer, or a dialer without its row, fails here.
 */
import { TransportUnsupportedError } from "../../../provider/libvirt/errors";
import { dialerForUri } from "../../../provider/libvirt/transport/dialers";
import { LIBVIRT_TRANSPORTS, libvirtUriProblem } from "../../../provider/spec";

const rows = Object.entries(LIBVIRT_TRANSPORTS);
const implemented = rows.filter(([, t]) => t.implemented);
const pending = rows.filter(([, t]) => !t.implemented);

describe("implemented transports: every example passes check and dials", () => {
  const saved = process.env["XDG_RUNTIME_DIR"];
  beforeAll(() => (process.env["XDG_RUNTIME_DIR"] = "/run/user/1000"));
  afterAll(() => (saved === undefined ? delete process.env["XDG_RUNTIME_DIR"] : (process.env["XDG_RUNTIME_DIR"] = saved)));

  test.each(implemented.flatMap(([name, t]) => t.examples.map((uri) => [name, uri] as const)))("%s: %s", (_name, uri) => {
    expect(libvirtUriProblem(uri)).toBeUndefined();
    expect(() => dialerForUri(uri)).not.toThrow();
  });

  test.each(implemented)("%s has examples", (_name, t) => {
    expect(t.examples.length).toBeGreaterThan(0);
  });
});

describe("transports refused on purpose (ext): refused at check, and the dialer agrees", () => {
  test.each(pending)("%s", (name) => {
    const uri = `qemu+${name}://kvm1/system`;
    expect(libvirtUriProblem(uri)).toContain(`transport "${name}" is not supported: `);
    expect(() => dialerForUri(uri)).toThrow(TransportUnsupportedError);
  });
});
