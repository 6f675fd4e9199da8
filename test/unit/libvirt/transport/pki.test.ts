import { DEFAULT_PKI, loadPki, resolvePkiPaths, type PkiEnv } from "../../../../provider/libvirt/transport/pki";
import { TlsPkiMissingError } from "../../../../provider/libvirt/errors";

const HOME = "/home/u";
const USER = `${HOME}/.pki/libvirt`;
const env = (euid: number, files: string[] = []): PkiEnv => ({ euid, home: HOME, exists: (p) => files.includes(p) });

describe("resolvePkiPaths (libvirt's virNetTLSContextLocateCredentials)", () => {
  const cases: Record<string, { pkipath?: string; env: PkiEnv; expect: { ca: string; cert: string; key: string }; source?: string }> = {
    "root: libvirt's defaults": { env: env(0, [`${USER}/cacert.pem`]), expect: { ...DEFAULT_PKI }, source: "libvirt's default path" },
    "pkipath: that directory, whether the files exist or not": {
      pkipath: "/srv/pki", env: env(1000), expect: { ca: "/srv/pki/cacert.pem", cert: "/srv/pki/clientcert.pem", key: "/srv/pki/clientkey.pem" }, source: "pkipath=/srv/pki",
    },
    "pkipath wins over $HOME/.pki for non-root": {
      pkipath: "/srv/pki", env: env(1000, [`${USER}/cacert.pem`, `${USER}/clientcert.pem`, `${USER}/clientkey.pem`]),
      expect: { ca: "/srv/pki/cacert.pem", cert: "/srv/pki/clientcert.pem", key: "/srv/pki/clientkey.pem" },
    },
    "non-root with all user files: $HOME/.pki/libvirt": {
      env: env(1000, [`${USER}/cacert.pem`, `${USER}/clientcert.pem`, `${USER}/clientkey.pem`]),
      expect: { ca: `${USER}/cacert.pem`, cert: `${USER}/clientcert.pem`, key: `${USER}/clientkey.pem` }, source: "$HOME/.pki/libvirt",
    },
    "non-root with no user files: libvirt's defaults": { env: env(1000), expect: { ...DEFAULT_PKI } },
    "non-root with only the user CA: user CA, default cert+key": {
      env: env(1000, [`${USER}/cacert.pem`]), expect: { ca: `${USER}/cacert.pem`, cert: DEFAULT_PKI.cert, key: DEFAULT_PKI.key },
    },
    "non-root with a user cert but no user key: the pair falls back together": {
      env: env(1000, [`${USER}/clientcert.pem`]), expect: { ...DEFAULT_PKI },
    },
    "root ignores $HOME/.pki even when it is complete": {
      env: env(0, [`${USER}/cacert.pem`, `${USER}/clientcert.pem`, `${USER}/clientkey.pem`]), expect: { ...DEFAULT_PKI },
    },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    const got = resolvePkiPaths(c.pkipath, c.env);
    expect({ ca: got.ca, cert: got.cert, key: got.key }).toEqual(c.expect);
    if (c.source !== undefined) expect(got.source.ca).toBe(c.source);
  });
});

describe("loadPki", () => {
  const paths = resolvePkiPaths("/p", env(0));
  const reader = (present: string[]) => (p: string): Buffer => {
    if (present.includes(p)) return Buffer.from(p);
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
  };
  const cases: Record<string, { present: string[]; missing?: string; what?: string; client?: boolean }> = {
    "all three files": { present: ["/p/cacert.pem", "/p/clientcert.pem", "/p/clientkey.pem"], client: true },
    "no client cert nor key: connect without one (as libvirt's client)": { present: ["/p/cacert.pem"], client: false },
    "no CA: refused, naming the path and pkipath=": { present: ["/p/clientcert.pem", "/p/clientkey.pem"], missing: "/p/cacert.pem", what: "CA certificate" },
    "cert without key": { present: ["/p/cacert.pem", "/p/clientcert.pem"], missing: "/p/clientkey.pem", what: "client key" },
    "key without cert": { present: ["/p/cacert.pem", "/p/clientkey.pem"], missing: "/p/clientcert.pem", what: "client certificate" },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    let caught: unknown;
    let got: ReturnType<typeof loadPki> | undefined;
    try {
      got = loadPki(paths, reader(c.present));
    } catch (err) {
      caught = err;
    }
    if (c.missing === undefined) {
      expect(caught).toBeUndefined();
      expect(got?.cert !== undefined).toBe(c.client);
      return;
    }
    expect(caught).toBeInstanceOf(TlsPkiMissingError);
    expect(caught).toMatchObject({ code: "TLS_PKI_MISSING", path: c.missing, what: c.what, source: "pkipath=/p" });
    expect((caught as Error).message).toContain(`${c.missing} (pkipath=/p)`);
  });

  test("an unreadable file (not ENOENT) keeps its cause", () => {
    const eacces = Object.assign(new Error("EACCES"), { code: "EACCES" });
    const err = (() => {
      try {
        loadPki(paths, (p) => { if (p.endsWith("clientkey.pem")) throw eacces; return Buffer.from(p); });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: "TLS_PKI_MISSING", path: "/p/clientkey.pem", cause: eacces });
  });
});
