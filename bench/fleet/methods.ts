/**
 * The three ways bench/fleet raises N paused firmware-only domains from 1 to 4 vCPUs, each
 * timed from the start of the change until every domain has 4: (p) our provider through
 * Pulumi's dynamic-provider host with the engine's resource parallelism, (v) `virsh setvcpus
 * DOM 4 --live`, 8 processes at a time, (f) the floor: raw DOMAIN_SET_VCPUS_FLAGS RPCs for
 * all N at once over one connection that is already open.
 */
import { AFFECT_LIVE, LibvirtClient, type DomainRef } from "../../provider/libvirt";
import { mapBounded } from "../../provider/cli/pool";
import { provider as dynamic } from "../../provider/dynamic";
import { capture, projectName } from "../../test/engine/capture";
import { MiniEngine } from "../../test/engine/engine";
import { fleetProgram } from "../../test/engine/programs/vm-cpu";
import { PROGRAMS_DIR } from "../../test/engine/scenario";
import { virsh } from "../../test/guest/guest";
import { daemonClientsOpened } from "./daemon";

/** The vCPU count every method reaches. */
export const TARGET_VCPUS = 4;

/** What one timed run measured. */
export interface Measured {
  /** From the start of the change until all domains have TARGET_VCPUS (ms). */
  readonly ms: number;
  /** libvirtd client connections opened while it ran (virt-admin). */
  readonly connections: number;
  /** Extra figure worth printing (p: the provider host's start, not in `ms`). */
  readonly note?: string;
}

/** A method over one URI and a set of fresh domains at 1 vCPU. */
export type Method = (uri: string, domains: readonly string[]) => Promise<Measured>;

const PROJECT = projectName(PROGRAMS_DIR);

/**
 * (p) `pulumi up` of N `VmCpu`s from 1 to 4 through the engine harness with Pulumi's default
 * parallelism (unbounded): adopted at 1 first (untimed), then the timed `up`. Its time is the
 * steps' (check, diff, update of every resource), without the host process's start.
 */
export const provider: Method = async (uri, domains) => {
  const entries = domains.map((domain) => ({ uri, domain }));
  const shape = { maxVcpus: TARGET_VCPUS, guestAgent: "off" as const };
  const engine = new MiniEngine({ programDir: PROGRAMS_DIR, project: PROJECT, parallel: Number.MAX_SAFE_INTEGER });
  const adopt = await engine.up(await capture(fleetProgram(entries, { ...shape, vcpus: 1 }), { project: PROJECT }));
  if (!adopt.ok) throw new Error(`adopting the fleet failed: ${adopt.steps.find((s) => s.error)?.error}`);
  const regs = await capture(fleetProgram(entries, { ...shape, vcpus: TARGET_VCPUS }), { project: PROJECT });
  let report: Awaited<ReturnType<MiniEngine["up"]>> | undefined;
  const connections = await daemonClientsOpened(async () => (report = await engine.up(regs)));
  if (!report?.ok) throw new Error(`raising the fleet failed: ${report?.steps.find((s) => s.error)?.error}`);
  return { ms: report.ms - report.hostStartMs, connections, note: `host start ${report.hostStartMs.toFixed(0)} ms` };
};

/**
 * (i) the same provider calls in this process, without the engine: check, diff and update of
 * every VM at once (adopted at 1 first, untimed): the provider's own cost, as the issue's
 * "before" figure was measured, through the same one-connection-per-URI pool.
 */
export const inProcess: Method = (uri, domains) => quietly(() => inProcessRun(uri, domains));

/** Runs `fn` with the provider's step log (console.log, which the engine shows as diagnostics) silenced. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => undefined;
  try {
    return await fn();
  } finally {
    console.log = log;
  }
}

const inProcessRun: Method = async (uri, domains) => {
  const props = (domain: string, vcpus: number) => ({ __label: domain, libvirt: { uri, domain }, maxVcpus: TARGET_VCPUS, vcpus, guestAgent: "off" });
  const olds = await mapBounded(domains, 16, async (d) => (await dynamic.create((await dynamic.check!({}, props(d, 1))).inputs)).outs);
  let ms = 0;
  const connections = await daemonClientsOpened(async () => {
    const t0 = performance.now();
    await Promise.all(domains.map(async (d, i) => {
      const { inputs } = await dynamic.check!(olds[i], props(d, TARGET_VCPUS));
      await dynamic.diff!(d, olds[i], inputs);
      await dynamic.update!(d, olds[i], inputs);
    }));
    ms = performance.now() - t0;
  });
  return { ms, connections };
};

/**
 * The URI as virsh takes it: libvirt's own client reads `known_hosts=` only for libssh, so over
 * `qemu+ssh://` the loopback host key is accepted with `no_verify=1` instead (the bench's sshd).
 */
function virshUri(uri: string): string {
  const url = new URL(uri);
  if (url.protocol !== "qemu+ssh:" || !url.searchParams.has("known_hosts")) return uri;
  url.searchParams.delete("known_hosts");
  url.searchParams.set("no_verify", "1");
  return url.toString();
}

/** (v) `virsh -c URI setvcpus DOM 4 --live`, 8 at a time. */
export const manual: Method = async (uri, domains) => {
  const t0 = performance.now();
  const connections = await daemonClientsOpened(() => mapBounded(domains, 8, (d) => virsh(["-c", virshUri(uri), "setvcpus", d, String(TARGET_VCPUS), "--live"])));
  return { ms: performance.now() - t0, connections };
};

/** (f) DOMAIN_SET_VCPUS_FLAGS for every domain at once over one open connection. */
export const floor: Method = async (uri, domains) => {
  const client = await LibvirtClient.connect({ uri });
  try {
    const refs: DomainRef[] = await Promise.all(domains.map((d) => client.domainLookupByName(d)));
    let ms = 0;
    const connections = await daemonClientsOpened(async () => {
      const t0 = performance.now();
      await Promise.all(refs.map((r) => client.domainSetVcpusFlags(r, TARGET_VCPUS, AFFECT_LIVE)));
      ms = performance.now() - t0;
    });
    return { ms, connections: connections + 1 };
  } finally {
    await client.close();
  }
};
