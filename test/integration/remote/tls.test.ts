/**
 * qemu+tls:// against the host's libvirtd (TLS on 127.0.0.1:16514, certificates from
 * .ci/host-setup.sh phase 5): client certificates are made here, signed by the host CA, in
 * a qvt-pki- temp dir passed as pkipath=. The shared scenario, connect times, and each
 * failure as its typed error with a bound and nothing applied.
 */
import { rmSync } from "node:fs";
import { LibvirtClient } from "../../../provider/libvirt/client";
import { HOST_CA, clientPkiDir, makeCa, tempPkiDir, type Signer } from "../../fakes/pki";
import { cutMidCall, describeFailures, failureTimes, type FailureCase } from "./failures";
import { freePort, startRelay, type Relay } from "./relay";
import { describeTransportScenario } from "./scenario";

const dirs: string[] = [];
const keep = (d: string): string => (dirs.push(d), d);
let good: string;
let otherCa: Signer;
let relay127002: Relay;
let port127002 = 0;
let nothing = 0;

const tlsUri = (pki: string, host = "localhost", port = 16514): string => `qemu+tls://${host}:${port}/system?pkipath=${pki}`;

beforeAll(async () => {
  good = keep(clientPkiDir(HOST_CA.cert, HOST_CA));
  otherCa = makeCa(keep(tempPkiDir()), "other", "not the host CA");
  relay127002 = await startRelay({ host: "127.0.0.2" }, { port: 16514 }); // reaches libvirtd under a name not in its certificate
  port127002 = relay127002.port;
  nothing = await freePort();
});
afterAll(async () => {
  await relay127002?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  console.log(`tls failure times (ms): ${JSON.stringify(failureTimes)}`);
});

describeTransportScenario("tls", () => tlsUri(good));

describe("tls: connect time vs tcp vs unix (connect + CONNECT_OPEN + close, 10 each)", () => {
  test("median connect times", async () => {
    const uris: Record<string, string> = {
      unix: "qemu:///system",
      tcp: "qemu+tcp://127.0.0.1/system",
      "tls 127.0.0.1": tlsUri(good, "127.0.0.1"),
      "tls localhost": tlsUri(good),
    };
    const medians: Record<string, number> = {};
    for (const [name, uri] of Object.entries(uris)) {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const c = await LibvirtClient.connect({ uri });
        times.push(performance.now() - t0);
        await c.close();
      }
      times.sort((a, b) => a - b);
      medians[name] = Math.round(times[5]! * 10) / 10;
    }
    console.log(`connect medians (ms): ${JSON.stringify(medians)}`);
    for (const ms of Object.values(medians)) expect(ms).toBeLessThan(2000);
  });

  test("100 concurrent calls on one TLS connection all answered (one TLS record per frame)", async () => {
    const c = await LibvirtClient.connect({ uri: tlsUri(good), callTimeoutMs: 10_000 });
    try {
      const t0 = performance.now();
      const versions = await Promise.all(Array.from({ length: 100 }, () => c.connectGetVersion()));
      console.log(`100 concurrent CONNECT_GET_VERSION over tls: ${Math.round(performance.now() - t0)} ms`);
      expect(new Set(versions).size).toBe(1);
    } finally {
      await c.close();
    }
  });
});

describe("tls: other URI forms against the real daemon", () => {
  test.each([
    ["qemu://host/system (no +tls) is TLS on 16514", () => `qemu://localhost/system?pkipath=${good}`],
    ["no_verify=1 accepts the certificate under a name it does not carry (127.0.0.2)", () => `${tlsUri(good, "127.0.0.2", port127002)}&no_verify=1`],
  ])("%s", async (_name, uri) => {
    const c = await LibvirtClient.connect({ uri: uri() });
    try {
      expect(await c.connectGetVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    } finally {
      await c.close();
    }
  });
});

const cases: Record<string, FailureCase> = {
  "client trusts another CA → TLS_SERVER_UNTRUSTED": {
    uri: () => tlsUri(keep(clientPkiDir(otherCa.cert, HOST_CA))), code: "TLS_SERVER_UNTRUSTED", says: /tls:localhost:16514 is not trusted by CA .*qvt-pki-/, maxMs: 3000,
  },
  "name not in the server certificate (127.0.0.2) → TLS_HOSTNAME_MISMATCH": {
    uri: () => tlsUri(good, "127.0.0.2", port127002), code: "TLS_HOSTNAME_MISMATCH", says: /not valid for the name "127\.0\.0\.2"/, maxMs: 3000,
  },
  "client certificate not signed by the host CA → server refuses (TLS_CLIENT_REJECTED)": {
    uri: () => tlsUri(keep(clientPkiDir(HOST_CA.cert, otherCa))), code: "TLS_CLIENT_REJECTED", says: /localhost:16514 refused the TLS client \(client certificate .*clientcert\.pem\)/, maxMs: 3000,
  },
  "expired client certificate → server refuses (TLS_CLIENT_REJECTED)": {
    uri: () => tlsUri(keep(clientPkiDir(HOST_CA.cert, HOST_CA, { days: -1 }))), code: "TLS_CLIENT_REJECTED", says: /refused the TLS client/, maxMs: 3000,
  },
  "no client certificate → server refuses (TLS_CLIENT_REJECTED)": {
    uri: () => tlsUri(keep(clientPkiDir(HOST_CA.cert, null))), code: "TLS_CLIENT_REJECTED", says: /no client certificate was presented/, maxMs: 3000,
  },
  "pkipath without cacert.pem → TLS_PKI_MISSING naming the path and the param": {
    uri: () => tlsUri(keep(tempPkiDir())), code: "TLS_PKI_MISSING", says: /CA certificate \/.*qvt-pki-\w+\/cacert\.pem \(pkipath=/, maxMs: 1000,
  },
  "libvirtd not listening (a free port) → DIAL_FAILED": {
    uri: () => tlsUri(good, "127.0.0.1", nothing), code: "DIAL_FAILED", says: /tls:127\.0\.0\.1:\d+ \(ECONNREFUSED\): nothing is listening/, maxMs: 2000,
  },
};
describeFailures("tls", cases);

describe("tls: link dropped mid-call", () => {
  test("a relay cut while a call is in flight fails the call fast, naming the host", async () => {
    const relay = await startRelay({ host: "127.0.0.1" }, { port: 16514 });
    try {
      const ms = await cutMidCall(tlsUri(good, "localhost", relay.port), relay, new RegExp(`tls:localhost:${relay.port}`));
      failureTimes["tls: link cut mid-call (from cut)"] = ms;
      expect(ms).toBeLessThan(1000);
    } finally {
      await relay.close();
    }
  });
});
