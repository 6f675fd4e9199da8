/**
 * A connection lost half-way through an apply (issue 10, defect 7), on a real guest through real libvirtd:
 * QEMU killed, or libvirtd killed (and started again) while a vCPU is being hot-added. The apply fails naming
 * the step, and its partial result holds what was read afterwards — over a new connection when the old one died —
 * so Pulumi records the truth, not the old state.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { provider } from "../../provider/dynamic";
import { ApplyError } from "../../provider/errors";
import { pollUntil, uniqueName, virsh } from "../guest/guest";
import { freshGuestPerTest } from "./guest";

const RUN = uniqueName("qvt-fault-conn");
const URI = "qemu:///system";
type Props = Record<string, unknown>;
jest.setTimeout(180_000);

const guest = freshGuestPerTest(RUN);
const spec = (vcpus: number): Props => ({ __label: "conn", libvirt: { uri: URI, domain: guest().name }, maxVcpus: 4, vcpus, guestAgent: "required" });
const pidOf = (file: string) => Number(fs.readFileSync(file, "utf8").trim());

const HOT_ADD_2 = /hot-add vCPU 2 \(live\): started/;
const ONLINING = /online CPUs in the guest .*: started$/;

/** Runs create(spec) with `fault` fired when a log line matches `at`; resolves with the error and the time. */
async function createWithFault(vcpus: number, at: RegExp, fault: () => void): Promise<{ err: unknown; ms: number; logs: string[] }> {
  const logs: string[] = [];
  let fired = false;
  const spy = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    const line = args.join(" ");
    logs.push(line);
    if (!fired && at.test(line)) {
      fired = true;
      fault();
    }
  });
  const { inputs, failures } = await provider.check!({}, spec(vcpus));
  expect(failures ?? []).toEqual([]);
  const t0 = Date.now();
  try {
    await provider.create(inputs as Props);
    return { err: undefined, ms: Date.now() - t0, logs };
  } catch (err) {
    return { err, ms: Date.now() - t0, logs };
  } finally {
    spy.mockRestore();
  }
}


test.each([
  ["a hot-add", HOT_ADD_2, /hot-add vCPU 2 \(live\) failed/],
  ["the onlining", ONLINING, /online CPUs in the guest .*failed/],
])("QEMU killed during %s: the step fails naming it, the partial result says the VM is shut off", async (_what, at, failed) => {
  const qemu = pidOf(`/run/libvirt/qemu/${guest().name}.pid`);
  const { err, ms } = await createWithFault(3, at, () => execFileSync("kill", ["-KILL", String(qemu)]));
  expect(err).toBeInstanceOf(ApplyError);
  expect((err as Error).message).toMatch(failed);
  expect((err as { properties?: Props }).properties).toMatchObject({ state: "shutoff", domainName: guest().name });
  expect(ms).toBeLessThan(30_000);
  expect(await guest().state()).toBe("shut off");
});

test("libvirtd killed during a hot-add and started again: the state is read over a new connection into the partial result", async () => {
  const { err, ms, logs } = await createWithFault(3, HOT_ADD_2, () => {
    // Started again with the arguments it ran with (host-setup's --listen for the TLS/TCP tests).
    const pid = pidOf("/run/libvirtd.pid");
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "").slice(1);
    execFileSync("kill", ["-KILL", String(pid)]);
    execFileSync("libvirtd", args.length ? args : ["-d"]);
  });
  await pollUntil("libvirtd to answer", () => virsh(["version"]).then(() => true, () => undefined), { timeoutMs: 60_000 });
  // The kill lands as the step starts (its log line comes first), so the step's call meets a dead connection.
  expect(err).toBeInstanceOf(ApplyError);
  expect(logs.join("\n")).toMatch(/connecting again to read it/);
  const props = (err as { properties?: Props }).properties;
  expect(props).toMatchObject({ state: "running", domainName: guest().name });
  // What was recorded is what QEMU has now.
  const present = (await guest().guestPresentCpus()).length;
  expect(props!["liveVcpus"]).toBe(present);
  expect(ms).toBeLessThan(60_000);
});
