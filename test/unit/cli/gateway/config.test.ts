/** The gateway's config file: every bad shape refused naming its field; TLS files missing named at startup. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GatewayError } from "../../../../provider/cli/gateway/errors";
import { listenAddress, loadGatewayConfig, parseGatewayConfig, readTlsFiles } from "../../../../provider/cli/gateway/config";

const HASH = "a".repeat(64);
const good = () => ({
  listen: "127.0.0.1:8443",
  cert: "/etc/qvg/cert.pem",
  key: "/etc/qvg/key.pem",
  vms: { web01: { qmp: "/run/qemu/web01.qmp", agent: "/run/qemu/web01.qga" }, db01: { qmp: "/run/qemu/db01.qmp" } },
  tokens: [{ name: "ci", sha256: HASH, vms: ["web01"] }],
});

describe("a valid config", () => {
  test("parses, with the default limits", () => {
    const cfg = parseGatewayConfig(good());
    expect(cfg.limits).toEqual({ maxMessageBytes: 65536, commandsPerSecond: 50, burst: 100, idleSeconds: 300, maxBufferedBytes: 1048576, maxClients: 256, commandSeconds: 60 });
    expect(cfg.vms["db01"]).toEqual({ qmp: "/run/qemu/db01.qmp" });
  });

  test.each([
    ["127.0.0.1:8443", { host: "127.0.0.1", port: 8443 }],
    ["0.0.0.0:0", { host: "0.0.0.0", port: 0 }],
    ["[::1]:9000", { host: "::1", port: 9000 }],
    ["gw.example.net:443", { host: "gw.example.net", port: 443 }],
  ])("listen %s", (listen, expected) => {
    expect(listenAddress(parseGatewayConfig({ ...good(), listen }).listen)).toEqual(expected);
  });
});

type Mutate = (c: ReturnType<typeof good> & Record<string, unknown>) => void;
const BAD: [string, Mutate, RegExp][] = [
  ["listen without a port", (c) => (c.listen = "127.0.0.1"), /listen: listen must be host:port/],
  ["a relative cert path", (c) => (c.cert = "cert.pem"), /cert: cert must be an absolute path/],
  ["no key", (c) => delete (c as Record<string, unknown>)["key"], /key:/],
  ["a relative QMP socket", (c) => (c.vms.web01.qmp = "web01.qmp"), /vms\.web01\.qmp: qmp .* must be an absolute path/],
  ["a VM name with a slash", (c) => ((c.vms as Record<string, unknown>)["a/b"] = { qmp: "/x" }), /a VM name is 1-64 letters/],
  ["an unknown VM field", (c) => ((c.vms.web01 as Record<string, unknown>)["socket"] = "/x"), /vms\.web01: .*socket/],
  ["a hash that is not hex", (c) => (c.tokens[0]!.sha256 = "z".repeat(64)), /tokens\.0\.sha256: sha256 must be 64 lowercase hex digits/],
  ["a plaintext token field", (c) => ((c.tokens[0] as Record<string, unknown>)["token"] = "secret"), /tokens\.0: .*token/],
  ["a token for an unknown VM", (c) => (c.tokens[0]!.vms = ["nope"]), /token "ci" names VM "nope", which is not under vms/],
  ["a token for no VM", (c) => (c.tokens[0]!.vms = []), /vms must name at least one VM/],
  ["two tokens with one name", (c) => c.tokens.push({ name: "ci", sha256: "b".repeat(64), vms: ["web01"] }), /token names must be unique/],
  ["two tokens with one hash", (c) => c.tokens.push({ name: "other", sha256: HASH, vms: ["web01"] }), /each client needs its own token/],
  ["a message cap under 1 KiB", (c) => (c.limits = { maxMessageBytes: 10 }), /limits\.maxMessageBytes/],
  ["an unknown top-level field", (c) => (c.tls = true), /unrecognized key.*tls|tls/i],
];

describe("bad configs are refused naming the field", () => {
  test.each(BAD)("%s", (_name, mutate, message) => {
    const raw = good() as ReturnType<typeof good> & Record<string, unknown>;
    mutate(raw);
    const err = (() => {
      try {
        parseGatewayConfig(raw, "/etc/qvg/gateway.json");
      } catch (e) {
        return e;
      }
    })() as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toMatch(/^\/etc\/qvg\/gateway\.json is not valid:/);
    expect(err.message).toMatch(message);
  });
});

describe("files", () => {
  const dir = mkdtempSync(join(tmpdir(), "qvt-gwcfg-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a config file that is not JSON: CONFIG_UNREADABLE naming it", () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, "listen: 1");
    expect(() => loadGatewayConfig(path)).toThrow(expect.objectContaining({ code: "CONFIG_UNREADABLE", message: expect.stringContaining(`${path} is not JSON`) }));
  });

  test("a missing config file: CONFIG_UNREADABLE with the errno", () => {
    expect(() => loadGatewayConfig(join(dir, "none.json"))).toThrow(expect.objectContaining({ code: "CONFIG_UNREADABLE", message: expect.stringContaining("ENOENT") }));
  });

  test.each(["cert", "key"] as const)("a missing TLS %s: TLS_FILES naming the field, the path and how to make one", (field) => {
    const present = join(dir, "present.pem");
    writeFileSync(present, "x");
    const files = { cert: present, key: present, [field]: join(dir, `missing-${field}.pem`) };
    expect(() => readTlsFiles(files)).toThrow(
      expect.objectContaining({ code: "TLS_FILES", message: expect.stringMatching(new RegExp(`\\(${field}: .*missing-${field}\\.pem\\) can't be read: ENOENT.*wss:// only.*openssl req`)) }),
    );
  });
});
