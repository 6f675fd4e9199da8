/**
 * The libvirt backend against the fake libvirtd answering old versions: QEMU 2.6.2 behind libvirt (no
 * `query-hotpluggable-cpus`: the count comes from `query-cpus`, the maximum from the definition, and libvirt's
 * `setvcpus` does the cpu-add), and libvirt 3.0.0 (no `virDomainSetVcpu`), each judged by the version gates.
 */
import { plan } from "../../../../provider/plan";
import * as Q from "../../../../provider/libvirt/protocol/qemu-procedures";
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import { ok } from "../../../fakes/libvirtd";
import { desired } from "../../../support/live";
import { libvirtHarness } from "./harness";
import { monitorError, monitorReply } from "./qemu-cpus";
import * as W from "./wire";

const h = libvirtHarness();

/** Scripts the domain's QEMU as 2.6.2 with `present` vCPUs; libvirt's LIVE setvcpus plugs the next ones. */
function qemu26(present: number[]) {
  const domain = h.install({ plugged: present, boot: present });
  const setvcpus: { nvcpus: number; flags: number }[] = [];
  domain
    .on(R.ConnectGetVersion, W.readVoid, () => W.hyperRet(2006002n))
    .on(Q.QemuDomainMonitorCommand, W.readMonitorCommand, (a) => {
      const { execute } = JSON.parse(a.cmd) as { execute: string };
      if (execute !== "query-cpus") return W.stringRet(monitorError("CommandNotFound", `The command ${execute} has not been found`, 1));
      const cpus = present.map((i) => ({ CPU: i, current: i === 0, halted: i !== 0, qom_path: `/machine/unattached/device[${i}]`, arch: "x86", pc: 1, thread_id: 3134 + i }));
      return W.stringRet(monitorReply(cpus, 1));
    })
    .on(R.DomainSetVcpusFlags, W.readSetVcpusFlags, (a) => {
      setvcpus.push({ nvcpus: a.nvcpus, flags: a.flags });
      for (let i = present.length; i < a.nvcpus; i++) present.push(i);
      return ok();
    });
  return { domain, setvcpus };
}

describe("QEMU 2.6.2 through libvirt", () => {
  test("read: QEMU's present vCPUs (query-cpus), the definition's maximum, none unpluggable", async () => {
    qemu26([0]);
    const live = await (await h.open({ useAgent: false })).read();
    expect(live.qemuVersion).toBe("2.6.2");
    expect(live.running).toMatchObject({ maxVcpus: 4, vcpus: 1 });
    expect(live.running!.slots.map((s) => [s.id, s.enabled, s.hotpluggable])).toEqual([[0, true, false], [1, false, false], [2, false, false], [3, false, false]]);
  });

  test("hot-add: libvirt's setvcpus (LIVE) to the new count, never virDomainSetVcpu", async () => {
    const { domain, setvcpus } = qemu26([0]);
    const hv = await h.open({ useAgent: false });
    const p = plan(await hv.read(), desired({ vcpus: 3 }));
    expect(p.refused).toEqual([]);
    for (const s of p.steps) if (s.kind === "hotAdd") await hv.hotAdd(s);
    expect(setvcpus).toEqual([{ nvcpus: 2, flags: 1 }, { nvcpus: 3, flags: 1 }]);
    expect(domain.names()).not.toContain("DomainSetVcpu");
    expect((await hv.read()).running).toMatchObject({ vcpus: 3 });
  });

  test("unplug is refused at plan, naming QEMU 2.6.2 and 2.7", async () => {
    qemu26([0, 1, 2]);
    // 3 → 1: the definition's count (2) differs too, so this is a new change, not one pending in the definition.
    const p = plan(await (await h.open({ useAgent: false })).read(), desired({ vcpus: 1 }));
    expect(p.steps).toEqual([]);
    expect(p.refused[0]!.why).toMatch(/^unplugging vCPUs \(device_del\) needs QEMU ≥ 2\.7, this VM runs QEMU 2\.6\.2: /);
  });
});

describe("libvirt 3.0.0 (no virDomainSetVcpu) with QEMU 7.2", () => {
  test("hot-add is refused at plan naming libvirt 3.0.0 and 3.1.0; nothing is called", async () => {
    const domain = h.install({ plugged: [0], boot: [0] });
    domain.on(R.ConnectGetLibVersion, W.readVoid, () => W.hyperRet(3000000n));
    const live = await (await h.open({ useAgent: false })).read();
    expect(live.libvirtVersion).toBe("3.0.0");
    const p = plan(live, desired({ vcpus: 3 }));
    expect(p.steps).toEqual([]);
    expect(p.refused[0]!.why).toMatch(/^per-vCPU hotplug through libvirt \(virDomainSetVcpu\) needs libvirt ≥ 3\.1\.0, this VM runs libvirt 3\.0\.0: /);
    expect(domain.names()).not.toContain("DomainSetVcpu");
  });
});
