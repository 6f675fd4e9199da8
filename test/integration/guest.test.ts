/**
 * Smoke test of the test-guest infrastructure itself (test/guest/*): build → boot → agent → hot-add → guest sees
 * it, through libvirt and through raw QEMU (system 7.2 and unpacked 10.0), plus firmware-only ppc64/s390x
 * machines. Everything it needs is installed by .ci/host-setup.sh; a missing piece FAILS these tests, it never
 * skips them.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  REPO_ROOT,
  accelerator,
  cleanupLeftovers,
  ensureGuestBuilt,
  pollUntil,
  qemu10,
  rawQemu,
  rawQemuFirmwareOnly,
  startTestDomain,
  uniqueName,
  virsh,
  type QmpClient,
  type RawQemu,
  type TestDomain,
} from "../guest/guest";
import { MIN_WALL_CAP_MS, processCpuMs } from "../support/cpu-time";

const RUN = uniqueName("qvt-smoke");
const BOOT_TIMEOUT = 60_000;
// jest.config.js's per-project testTimeout is not applied by Jest (it is a global-only option): set it here.
const TEST_TIMEOUT = 180_000;
jest.setTimeout(TEST_TIMEOUT);

interface HotpluggableCpu {
  type: string;
  "vcpus-count": number;
  props: Record<string, number>;
  "qom-path"?: string;
}

function log(msg: string): void {
  process.stdout.write(`[guest.test] ${msg}\n`);
}

beforeAll(async () => {
  // Leftovers of earlier runs whose test process died (never touches live runs of other people).
  const stale = await cleanupLeftovers("qvt-", { staleOnly: true });
  if (stale.domains.length || stale.rawQemus.length) log(`removed stale leftovers: ${JSON.stringify(stale)}`);
});

afterAll(async () => {
  const left = await cleanupLeftovers(RUN);
  // A test that cleaned up after itself leaves nothing behind.
  expect(left).toEqual({ domains: [], rawQemus: [] });
});

test("guest image builds (cached on the second call) and is reproducible input for QEMU", async () => {
  const img = await ensureGuestBuilt();
  log(`build.sh: ${img.cached ? "cached" : "built"} in ${img.buildMs} ms`);
  // A second run finds the stamp and does nothing.
  const t0 = Date.now();
  const again = execFileSync("bash", [path.join(REPO_ROOT, "test", "guest", "build.sh")], { encoding: "utf8" });
  log(`build.sh again: ${Date.now() - t0} ms: ${again.split("\n")[0]}`);
  expect(again).toMatch(/up to date/);
  expect(again).toContain(`VMLINUX=${img.vmlinux}`);
  expect(fs.statSync(img.vmlinux).size).toBeGreaterThan(10 * 1024 * 1024);
  expect(fs.readFileSync(img.vmlinux).subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  const gz = fs.readFileSync(img.initramfs);
  expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
  expect(accelerator()).toMatch(/^(kvm|qemu)$/);
}, 300_000);

test("a checkout in a 0700 directory builds into the shared cache, and libvirt's QEMU boots that guest", async () => {
  // As a clone in root's home or in `mktemp -d`: libvirt's QEMU user can't traverse the checkout.
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), "qvt-clone-"));
  let dom: TestDomain | undefined;
  try {
    expect(fs.statSync(clone).mode & 0o777).toBe(0o700);
    fs.mkdirSync(path.join(clone, "test", "guest"), { recursive: true });
    for (const f of ["build.sh", "init"]) fs.copyFileSync(path.join(REPO_ROOT, "test", "guest", f), path.join(clone, "test", "guest", f));
    const out = execFileSync("bash", [path.join(clone, "test", "guest", "build.sh")], { encoding: "utf8" });
    const vmlinux = /^VMLINUX=(.*)$/m.exec(out)![1]!;
    const initrd = /^INITRAMFS=(.*)$/m.exec(out)![1]!;
    // Same content, same cache entry, wherever the checkout is; nothing lands inside the checkout.
    expect(vmlinux).toBe((await ensureGuestBuilt()).vmlinux);
    expect(vmlinux.startsWith(clone)).toBe(false);
    for (let d = path.dirname(vmlinux); d !== "/"; d = path.dirname(d)) expect(fs.statSync(d).mode & 0o005).toBe(0o005);
    dom = await startTestDomain({ name: uniqueName(RUN), machine: "pc", maxVcpus: 2, vcpus: 1, kernel: vmlinux, initrd });
    const ms = await dom.waitForAgent(BOOT_TIMEOUT);
    log(`guest from a 0700 checkout: start → guest-ping ${ms} ms`);
    expect(await dom.guestPresentCpus()).toEqual([0]);
  } finally {
    await dom?.destroy();
    fs.rmSync(clone, { recursive: true, force: true });
  }
});

test("libvirt: boot (pc, max 4, current 1) → agent → setvcpus --live 2 → guest has 2 CPUs", async () => {
  let dom: TestDomain | undefined;
  try {
    dom = await startTestDomain({ name: uniqueName(RUN), machine: "pc", maxVcpus: 4, vcpus: 1 });
    expect(dom.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const ms = await dom.waitForAgent(BOOT_TIMEOUT);
    log(`libvirt ${accelerator()} pc: start → guest-ping ${ms} ms`);
    expect(await dom.guestPresentCpus()).toEqual([0]);
    expect(await dom.guestOnlineCpus()).toEqual([0]);

    const t0 = Date.now();
    await virsh(["setvcpus", dom.name, "2", "--live"]);
    const present = await pollUntil(
      "guest to see 2 CPUs",
      async () => {
        const p = await dom!.guestPresentCpus();
        return p.length === 2 ? p : undefined;
      },
      { timeoutMs: 20_000 },
    );
    log(`libvirt: setvcpus --live 2 → agent lists 2 CPUs in ${Date.now() - t0} ms`);
    expect(present).toEqual([0, 1]);
    // No udev in the guest: the hot-added CPU stays offline until someone onlines it.
    expect(await dom.guestOnlineCpus()).toEqual([0]);
    const con = await pollUntil("console GI: CPUS line with cpu1", () => {
      const c = dom!.consoleCpus();
      return c && c.present.includes(1) ? c : undefined;
    }, { timeoutMs: 5_000 });
    expect(con.online).toEqual([0]);
  } finally {
    await dom?.destroy();
    await dom?.destroy(); // idempotent
  }
  expect(await dom.state()).toBe("gone");
});

async function rawSmoke(label: string, q: RawQemu, expectMajorMinor?: [number, number]): Promise<void> {
  let qmp: QmpClient | undefined;
  try {
    qmp = await q.qmp();
    const v = qmp.greeting.QMP.version.qemu;
    log(`${label}: QMP greeting QEMU ${v.major}.${v.minor}.${v.micro} (${qmp.greeting.QMP.version.package.trim()})`);
    const ver = await qmp.execute<{ qemu: { major: number; minor: number; micro: number } }>("query-version");
    expect(ver.qemu).toEqual(v);
    if (expectMajorMinor) expect([ver.qemu.major, ver.qemu.minor]).toEqual(expectMajorMinor);

    const slots = await qmp.execute<HotpluggableCpu[]>("query-hotpluggable-cpus");
    expect(slots).toHaveLength(4);
    expect(slots.filter((s) => s["qom-path"])).toHaveLength(1);
    const free = slots.filter((s) => !s["qom-path"]).sort((a, b) => (a.props["core-id"] ?? 0) - (b.props["core-id"] ?? 0));
    const slot = free[0]!;
    expect(slot.props["core-id"]).toBe(1);

    const ms = await q.waitForAgent(BOOT_TIMEOUT);
    log(`${label}: spawn → qemu-ga answers ${ms} ms`);
    expect(await q.guestPresentCpus()).toEqual([0]);

    const t0 = Date.now();
    await qmp.execute("device_add", { driver: slot.type, id: "cpu1", ...slot.props });
    await pollUntil("guest to see 2 CPUs", async () => (await q.guestPresentCpus()).length === 2, { timeoutMs: 20_000 });
    log(`${label}: device_add → agent lists 2 CPUs in ${Date.now() - t0} ms`);
    expect(await q.guestOnlineCpus()).toEqual([0]);
    const after = await qmp.execute<HotpluggableCpu[]>("query-hotpluggable-cpus");
    expect(after.filter((s) => s["qom-path"])).toHaveLength(2);
  } finally {
    qmp?.close();
    await q.stop();
    await q.stop(); // idempotent
  }
  expect(q.alive()).toBe(false);
  expect(fs.existsSync(q.dir)).toBe(false);
}

test("raw QEMU (system): QMP greeting, query-hotpluggable-cpus, agent, device_add → guest has 2 CPUs", async () => {
  const q = await rawQemu({ name: uniqueName(RUN), machine: "pc", maxVcpus: 4, vcpus: 1 });
  await rawSmoke("raw system QEMU pc", q);
});

test("raw QEMU 10.0 from bookworm-backports (unpacked, not installed): query-version 10.0.x", async () => {
  const t0 = Date.now();
  const q10 = await qemu10();
  log(`qemu10(): ${Date.now() - t0} ms → ${q10?.binary}`);
  expect(q10).not.toBeNull();
  const q = await rawQemu({ name: uniqueName(RUN), machine: "pc", maxVcpus: 4, vcpus: 1, qemuRoot: q10!.root });
  await rawSmoke("raw QEMU 10 pc", q, [10, 0]);
}, 900_000);

test.each([
  ["qemu-system-ppc64", "pseries", "1,maxcpus=4,cores=4,threads=1", /-spapr-cpu-core$/],
  ["qemu-system-s390x", "s390-ccw-virtio", "1,maxcpus=4", /-s390x-cpu$/],
] as const)("firmware-only %s %s answers query-hotpluggable-cpus", async (binary, machine, smp, typeRe) => {
  const fw = await rawQemuFirmwareOnly({ binary, machine, smp, name: uniqueName(RUN) });
  let qmp: QmpClient | undefined;
  try {
    qmp = await fw.qmp();
    const slots = await qmp.execute<HotpluggableCpu[]>("query-hotpluggable-cpus");
    log(`${binary} ${machine}: ${slots.length} slots, types ${[...new Set(slots.map((s) => s.type))].join(",")}`);
    expect(slots).toHaveLength(4);
    expect(slots.filter((s) => s["qom-path"])).toHaveLength(1);
    for (const s of slots) expect(s.type).toMatch(typeRe);
  } finally {
    qmp?.close();
    await fw.stop();
  }
});

describe("boot budget: waiting for a guest counts the CPU time it got, not the wall clock (a busy host)", () => {
  test("a guest frozen for longer than its budget still comes up: its wait is counted in CPU time", async () => {
    const q = await rawQemu({ name: uniqueName(RUN), machine: "pc", maxVcpus: 4, vcpus: 1 });
    try {
      // Starve it completely for 25 s: a 20 s wall-clock deadline would have failed it.
      process.kill(q.pid, "SIGSTOP");
      const cont = setTimeout(() => process.kill(q.pid, "SIGCONT"), 25_000);
      const t0 = Date.now();
      try {
        await q.waitForAgent(BOOT_TIMEOUT);
      } finally {
        clearTimeout(cont);
        process.kill(q.pid, "SIGCONT");
      }
      const cpu = processCpuMs(q.pid)!;
      log(`starved boot: up after ${Date.now() - t0} ms of waiting, ${cpu.toFixed(0)} ms of CPU`);
      expect(Date.now() - t0).toBeGreaterThan(25_000);
      expect(cpu).toBeLessThan(BOOT_TIMEOUT);
    } finally {
      await q.stop();
    }
  });

  test("a guest that used its budget without its agent answering fails then, naming the CPU and wall time it got", async () => {
    const q = await rawQemu({ name: uniqueName(RUN), machine: "pc", maxVcpus: 4, vcpus: 1 });
    try {
      const t0 = Date.now();
      // A boot needs 2.3–2.9 s of CPU here (the starved boot above logs it): 0.5 s is spent well before.
      const err = (await q.waitForAgent(500).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(/not up after [\d.]+ s of waiting in which the guest's QEMU got [\d.]+ s of CPU, host load [\d.]+ on \d+ cores \(budget: 0.5 s of the guest's CPU time\): the guest is stuck, not starved/);
      expect(Date.now() - t0).toBeLessThan(MIN_WALL_CAP_MS);
      await q.waitForAgent(BOOT_TIMEOUT); // it was booting: with a real budget it comes up
    } finally {
      await q.stop();
    }
  });

  test("a guest kernel panic fails the wait at once, quoting the panic", async () => {
    const q = await rawQemu({ name: uniqueName(RUN), machine: "pc", maxVcpus: 4, vcpus: 1, extraCmdline: "rdinit=/no/such/init panic=0" });
    try {
      const t0 = Date.now();
      const err = (await q.waitForAgent(BOOT_TIMEOUT).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/the guest kernel panicked \(Kernel panic - not syncing/);
      log(`panic seen after ${Date.now() - t0} ms`);
      expect(Date.now() - t0).toBeLessThan(BOOT_TIMEOUT);
    } finally {
      await q.stop();
    }
  });
});
