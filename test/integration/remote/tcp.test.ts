/**
 * qemu+tcp:// against the host's libvirtd (plain TCP on 127.0.0.1:16509 with auth_tcp =
 * "none", .ci/host-setup.sh phase 5): the shared scenario, then failures as typed errors.
 * SASL (libvirtd's default for TCP) is refused with AuthUnsupportedError; that is proven in
 * test/unit/libvirt/client.test.ts with the in-process fake (making this daemon ask for SASL
 * would mean restarting it under the other tests).
 */
import { cutMidCall, describeFailures, failureTimes } from "./failures";
import { freePort, startRelay } from "./relay";
import { describeTransportScenario } from "./scenario";

let nothing = 0;
beforeAll(async () => {
  nothing = await freePort();
});
afterAll(() => console.log(`tcp failure times (ms): ${JSON.stringify(failureTimes)}`));

describeTransportScenario("tcp", () => "qemu+tcp://127.0.0.1/system");

describeFailures("tcp", {
  "libvirtd not listening (a free port) → DIAL_FAILED": {
    uri: () => `qemu+tcp://127.0.0.1:${nothing}/system`, code: "DIAL_FAILED", says: /tcp:127\.0\.0\.1:\d+ \(ECONNREFUSED\): nothing is listening there; .*listen_tcp = 1/, maxMs: 2000,
  },
});

describe("tcp: link dropped mid-call", () => {
  test("a relay cut while a call is in flight fails the call fast, naming the host", async () => {
    const relay = await startRelay({ host: "127.0.0.1" }, { port: 16509 });
    try {
      const ms = await cutMidCall(`qemu+tcp://127.0.0.1:${relay.port}/system`, relay, new RegExp(`tcp:127\\.0\\.0\\.1:${relay.port}`));
      failureTimes["tcp: link cut mid-call (from cut)"] = ms;
      expect(ms).toBeLessThan(1000);
    } finally {
      await relay.close();
    }
  });
});
