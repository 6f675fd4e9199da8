/**
 * The libvirt backend: a {@link Hypervisor} over one libvirt connection and one domain.
 * Hot-add/unplug one entity at a time with `virDomainSetVcpu`, judge unplug completion from
 * QEMU's own slot view (libvirt's "vcpu unplug request timed out", code 68, means unknown),
 * rewrite the definition for cold changes, restart gracefully for `coldChanges: "restart"`.
 */
import {
  AFFECT_LIVE,
  ConnectError,
  ConnectTimeoutError,
  EVENT_ID_LIFECYCLE,
  EVENT_STOPPED,
  LibvirtClient,
  SHUTOFF,
  VCPU_CONFIG,
  XML_INACTIVE,
  XML_SECURE,
  formatCpuList,
  isNoDomain,
  isOperationTimeout,
  type DomainEvent,
  type DomainRef,
  type Dialer,
} from "../../libvirt";
import { ProviderError, type LeaseHolder } from "../../errors";
import { pollUntil, type GuestPort, type Hypervisor, type Lease, type Logger, type OfferedMachines, type ReadOptions, type UnplugOutcome } from "../../apply";
import type { DefineConfigStep, HotAddStep, UnplugStep } from "../../plan";
import { compareVersions, entitySize, machineFamily, type LiveState } from "../../spec";
import { readDomainCpu, rewriteCpuDefinition } from "./domain-xml";
import { libvirtAgent } from "./agent";
import { LibvirtGuest } from "./guest";
import { takeLease } from "./lease";
import { queryCpuView, queryHotpluggableCpus } from "./qemu";
import { AGENT_PING_MS, readDomain, topologyOf, type Versions } from "./read";
import { qemuVcpus } from "../slots";
import { LibvirtPool, type PooledConnection } from "./pool";
import { offeredMachines } from "./capabilities";

/** How to open a {@link LibvirtHypervisor}. */
export interface LibvirtTarget {
  readonly uri: string;
  readonly domain: string;
  /** Use the guest agent at all (`guestAgent` not "off"). */
  readonly useAgent: boolean;
  /** Test seam: dial something else than the URI's socket (a connection of its own, not pooled). */
  readonly dialer?: Dialer;
  /** Bound of dial + auth + open in ms (default 5 000; a connection of its own, not pooled). */
  readonly connectTimeoutMs?: number;
}

/**
 * Upper bound of any one libvirt call, so a hung daemon fails the operation instead of
 * hanging `pulumi up` (the longest legitimate call, an unplug, waits 5 s inside libvirt).
 */
const CALL_TIMEOUT_MS = 120_000;

/**
 * Bound of dial + AUTH_LIST (+ polkit) + CONNECT_OPEN. A local libvirtd opens in under 10 ms
 * and polkit answers in well under a second, so 5 s only ever fires on a daemon that
 * accepts and never answers; it also keeps a preview's connect inside PREVIEW_READ_MS.
 */
const CONNECT_TIMEOUT_MS = 5_000;

/** What failed while connecting, in words: the phase and, for a failure, its cause. */
function connectFailure(err: unknown): string {
  if (err instanceof ConnectTimeoutError) return `no answer in ${err.phase} within ${err.timeoutMs} ms (${err.target})`;
  if (err instanceof ConnectError) return `${err.phase} failed: ${(err.cause as Error).message}`;
  return (err as Error).message;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A domain by name, or by UUID when no domain has that name and it is one (as `virsh` resolves them). */
async function lookupDomain(client: LibvirtClient, domain: string): Promise<DomainRef> {
  try {
    return await client.domainLookupByName(domain);
  } catch (err) {
    if (!isNoDomain(err) || !UUID.test(domain)) throw err;
    return client.domainLookupByUuid(domain);
  }
}

/** {@link Hypervisor} over libvirt. */
export class LibvirtHypervisor implements Hypervisor {
  private constructor(
    private readonly client: LibvirtClient,
    private dom: DomainRef,
    private readonly versions: Versions,
    private readonly useAgent: boolean,
    /** Close the client with the hypervisor (false when the client is shared). */
    private readonly ownsClient: boolean,
    /** Gives a pooled connection back on close. */
    private readonly lent?: PooledConnection,
  ) {}

  /**
   * Connects to libvirt within `connectTimeoutMs` (dial + auth + open together); CONNECTION_FAILED
   * naming the URI and the phase that failed or hung when it can't, the client's error as cause.
   */
  static async connect(uri: string, dialer?: Dialer, connectTimeoutMs = CONNECT_TIMEOUT_MS): Promise<LibvirtClient> {
    try {
      return await LibvirtClient.connect({ uri, connectTimeoutMs, callTimeoutMs: CALL_TIMEOUT_MS, ...(dialer ? { dialer } : {}) });
    } catch (err) {
      throw new ProviderError("CONNECTION_FAILED", `can't connect to libvirt at ${uri}: ${connectFailure(err)}`, { cause: err });
    }
  }

  /**
   * A hypervisor for one domain over an existing connection (several domains of one host can
   * share it; closing the hypervisor leaves the client open). VM_NOT_FOUND when it does not exist.
   */
  static async forDomain(
    client: LibvirtClient,
    domain: string,
    useAgent: boolean,
    ownsClient = false,
    versions?: Versions,
  ): Promise<LibvirtHypervisor> {
    try {
      const [dom, known] = await Promise.all([lookupDomain(client, domain), versions ?? LibvirtHypervisor.versions(client)]);
      return new LibvirtHypervisor(client, dom, known, useAgent, ownsClient);
    } catch (err) {
      if (isNoDomain(err)) throw new ProviderError("VM_NOT_FOUND", `libvirt domain "${domain}" does not exist`, { cause: err });
      throw err;
    }
  }

  /** libvirt's and the hypervisor's versions, read once per connection by callers that share it. */
  static async versions(client: LibvirtClient): Promise<Versions> {
    const [libvirt, qemu] = await Promise.all([client.connectGetLibVersion(), client.connectGetVersion()]);
    return { libvirt, qemu };
  }

  /**
   * Looks the domain up over the process's shared connection to `target.uri` ({@link libvirtPool});
   * closing the hypervisor gives the connection back. With a test `dialer` or `connectTimeoutMs`,
   * connects on its own instead, and the hypervisor owns (and closes) that connection.
   */
  static async open(target: LibvirtTarget): Promise<LibvirtHypervisor> {
    if (target.dialer === undefined && target.connectTimeoutMs === undefined) return LibvirtHypervisor.openPooled(target);
    const client = await LibvirtHypervisor.connect(target.uri, target.dialer, target.connectTimeoutMs);
    try {
      return await LibvirtHypervisor.forDomain(client, target.domain, target.useAgent, true);
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
  }

  private static async openPooled(target: LibvirtTarget): Promise<LibvirtHypervisor> {
    const lent = await libvirtPool.acquire(target.uri);
    try {
      const dom = await lookupDomain(lent.client, target.domain);
      return new LibvirtHypervisor(lent.client, dom, lent.versions, target.useAgent, false, lent);
    } catch (err) {
      lent.release();
      if (isNoDomain(err)) throw new ProviderError("VM_NOT_FOUND", `libvirt domain "${target.domain}" does not exist`, { cause: err });
      throw err;
    }
  }

  read(opts?: ReadOptions): Promise<LiveState> {
    return readDomain(this.client, this.dom, this.versions, this.useAgent, opts?.guest ?? true);
  }

  async hotAdd(step: HotAddStep): Promise<void> {
    if (compareVersions(this.versions.qemu, "2.7") >= 0) return this.client.domainSetVcpu(this.dom, formatCpuList(step.vcpuIds), true, AFFECT_LIVE);
    const view = await queryCpuView(this.client, this.dom);
    if (view.kind === "slots") return this.client.domainSetVcpu(this.dom, formatCpuList(step.vcpuIds), true, AFFECT_LIVE);
    // QEMU before 2.7: libvirt can't plug a chosen vCPU there; setvcpus adds the next ones with cpu-add (lowest
    // free ids first, the plan's choice too), so the count goes up by this step's vCPUs.
    await this.client.domainSetVcpusFlags(this.dom, view.present.length + step.vcpuIds.length, AFFECT_LIVE);
  }

  async unplug(step: UnplugStep, deadline: number): Promise<UnplugOutcome> {
    let libvirtTimedOut = false;
    try {
      await this.client.domainSetVcpu(this.dom, formatCpuList(step.vcpuIds), false, AFFECT_LIVE);
    } catch (err) {
      if (!isOperationTimeout(err)) throw err;
      libvirtTimedOut = true; // unknown, not failed: ask QEMU
    }
    const gone = await pollUntil(async () => ((await this.slotFree(step)) ? true : undefined), deadline, 250);
    const detail = gone
      ? `QEMU's query-hotpluggable-cpus shows the slot free${libvirtTimedOut ? "; libvirt timed out waiting for DEVICE_DELETED and may still list it" : ""}`
      : `QEMU still lists vCPU ${step.vcpuIds.join(",")} as plugged (the guest did not finish the ACPI eject)`;
    // libvirt answers OK only after QEMU's DEVICE_DELETED for the vCPU; its timeout means QEMU never sent it.
    return { removed: gone === true, libvirtTimedOut, detail, confirmed: gone === true && !libvirtTimedOut };
  }

  /** True when QEMU no longer has any of the step's vCPUs plugged. */
  private async slotFree(step: UnplugStep): Promise<boolean> {
    const [qemu, xml] = await Promise.all([queryHotpluggableCpus(this.client, this.dom), this.client.domainGetXmlDesc(this.dom, 0)]);
    const facts = readDomainCpu(xml);
    const plugged = qemuVcpus(facts.arch, qemu, topologyOf(facts, qemu)).filter((v) => v.enabled).map((v) => v.id);
    return !step.vcpuIds.some((id) => plugged.includes(id));
  }

  async setConfigVcpus(vcpus: number): Promise<void> {
    await this.client.domainSetVcpusFlags(this.dom, vcpus, VCPU_CONFIG);
  }

  async defineConfig(step: DefineConfigStep): Promise<void> {
    const xml = await this.client.domainGetXmlDesc(this.dom, XML_INACTIVE | XML_SECURE);
    const facts = readDomainCpu(xml);
    const machine = step.config.machine ?? facts.machine;
    const family = machineFamily(machine);
    const threads = (step.config.topology ?? topologyOf(facts)).threads;
    const rewritten = rewriteCpuDefinition(xml, {
      maxVcpus: step.config.maxVcpus,
      vcpus: step.config.vcpus,
      topology: step.config.topology,
      machine: step.config.machine,
      entitySize: family ? entitySize(family, threads) : 1,
    });
    this.dom = await this.client.domainDefineXmlFlags(rewritten, 1 /* VIR_DOMAIN_DEFINE_VALIDATE */);
  }

  async restart(deadline: number): Promise<void> {
    await this.client.domainShutdownFlags(this.dom, 0);
    if (!(await this.waitForShutoff(deadline))) {
      throw new ProviderError(
        "SHUTDOWN_TIMEOUT",
        "the guest did not shut down within timeouts.shutdownSeconds; it is still running and the definition holds the new values (restartPending)",
      );
    }
    await this.client.domainCreate(this.dom);
    this.dom = await this.client.domainLookupByUuid(this.dom.uuid);
  }

  /** Waits for the lifecycle STOPPED event (with a slow state poll as a fallback). */
  private async waitForShutoff(deadline: number): Promise<boolean> {
    let stopped = false;
    const onEvent = (e: DomainEvent) => {
      if (e.kind === "lifecycle" && e.dom.uuid === this.dom.uuid && e.event === EVENT_STOPPED) stopped = true;
    };
    this.client.on("domainEvent", onEvent);
    const callback = await this.client.domainEventCallbackRegisterAny(EVENT_ID_LIFECYCLE, this.dom);
    try {
      const probe = async () => (stopped || (await this.client.domainGetState(this.dom)).state === SHUTOFF ? true : undefined);
      return (await pollUntil(probe, deadline, 200)) === true;
    } finally {
      this.client.off("domainEvent", onEvent);
      await this.client.domainEventCallbackDeregisterAny(callback).catch(() => undefined);
    }
  }

  async waitForAgent(deadline: number): Promise<boolean> {
    const agent = libvirtAgent(this.client, this.dom, deadline);
    const ok = await pollUntil(() => agent.ping(AGENT_PING_MS).then((yes) => (yes ? true : undefined), () => undefined), deadline);
    return ok === true;
  }

  /** The lease in the domain's live metadata (lease.ts). */
  lease(holder: LeaseHolder, log: Logger): Promise<Lease> {
    return takeLease(this.client, () => this.dom, holder, log);
  }

  /** The machine types libvirt's capabilities list for `arch`. */
  async machines(arch: string): Promise<OfferedMachines> {
    const machines = offeredMachines(await this.client.connectGetCapabilities(), arch);
    return { where: `QEMU ${this.versions.qemu} through libvirt (${arch})`, machines };
  }

  guest(deadline: number): GuestPort | undefined {
    return this.useAgent ? new LibvirtGuest(this.client, this.dom, deadline) : undefined;
  }

  async close(): Promise<void> {
    this.lent?.release();
    if (this.ownsClient) await this.client.close();
  }
}

/** The process's libvirt connections: one per URI, shared by every operation (pool.ts). */
export const libvirtPool = new LibvirtPool({
  connect: (uri) => LibvirtHypervisor.connect(uri),
  versions: (client) => LibvirtHypervisor.versions(client),
});
