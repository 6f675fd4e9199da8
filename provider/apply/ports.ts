/**
 * The narrow interfaces the executor needs. The libvirt and QMP backends implement them;
 * the executor knows nothing of sockets or protocols.
 */
import type { LeaseHolder } from "../errors";
import type { LiveState, OfferedMachine } from "../spec";
import type { DefineConfigStep, HotAddStep, UnplugStep } from "../plan";

/** One CPU as the guest sees it (qemu-guest-agent `GuestLogicalProcessor`). */
export interface GuestCpu {
  readonly logicalId: number;
  readonly online: boolean;
  readonly canOffline: boolean;
}

/** The guest agent, as far as apply needs it. */
export interface GuestPort {
  /** All logical CPUs present in the guest, sorted by logical id. */
  getVcpus(): Promise<GuestCpu[]>;
  /** Online/offline CPUs; returns how many entries were applied (stops at the first failure). */
  setVcpus(changes: readonly { logicalId: number; online: boolean }[]): Promise<number>;
}

/** Outcome of one unplug, judged from QEMU's own view (and libvirt's, where there is one). */
export interface UnplugOutcome {
  /** QEMU no longer has the entity plugged. */
  readonly removed: boolean;
  /** libvirt reported its 5 s timeout (VIR_ERR_OPERATION_TIMEOUT): the result was unknown to it. */
  readonly libvirtTimedOut: boolean;
  /** What was observed, for messages. */
  readonly detail: string;
  /**
   * QEMU confirmed the vCPU device is gone (DEVICE_DELETED for it, or libvirt's OK, which waits for that
   * event). False when only the slot freed: that slot must not be plugged again while this QEMU runs.
   */
  readonly confirmed: boolean;
}

/** Options of {@link Hypervisor.read}. */
export interface ReadOptions {
  /**
   * Ask the guest agent for the guest's CPUs (default true). False skips that round trip
   * (tens of ms under TCG): `guest` is then undefined and `agent` says only whether the agent
   * is there (libvirt's channel state, or the agent connection for raw QMP).
   */
  readonly guest?: boolean;
}

/** A VM's cross-process operation lease, taken by {@link Hypervisor.lease}. */
export interface Lease {
  /**
   * True when other processes see this lease (libvirt: the domain's live metadata), so a plan
   * made before taking it may be stale and must be made again under it.
   */
  readonly crossProcess: boolean;
  /** Moves the expiry (epoch ms); VM_BUSY when another owner took the lease meanwhile. */
  renew(expires: number): Promise<void>;
  /** Removes the lease if it is still ours. Never throws: a failure is logged with what to do. */
  release(): Promise<void>;
}

/** A VM reached through one connection. */
export interface Hypervisor {
  /** Reads the live state (libvirt config + live QEMU + guest agent). */
  read(opts?: ReadOptions): Promise<LiveState>;
  /** Plugs one hotpluggable entity. */
  hotAdd(step: HotAddStep): Promise<void>;
  /** Unplugs one entity and waits (until `deadline`, epoch ms) for QEMU to confirm. */
  unplug(step: UnplugStep, deadline: number): Promise<UnplugOutcome>;
  /** Sets the vCPU count of the persistent definition. */
  setConfigVcpus(vcpus: number): Promise<void>;
  /** Rewrites the CPU part of the persistent definition. */
  defineConfig(step: DefineConfigStep): Promise<void>;
  /** Graceful shutdown (until `deadline`), then start. */
  restart(deadline: number): Promise<void>;
  /** Waits until the guest agent answers or `deadline`; true when it answered. */
  waitForAgent(deadline: number): Promise<boolean>;
  /**
   * Takes the VM's lease for an operation that changes it, before the first change: VM_BUSY
   * (VmBusyError naming the holder) when another owner holds an unexpired one. Backends with
   * nowhere to keep a lease (raw QMP) return one with `crossProcess` false that does nothing.
   */
  lease(holder: LeaseHolder, log: Logger): Promise<Lease>;
  /**
   * The guest agent, every call of it bounded by `deadline` (epoch ms; a call past it fails as
   * AGENT_UNAVAILABLE), or undefined when the agent is not to be used.
   */
  guest(deadline: number): GuestPort | undefined;
  /**
   * The machine types the host's QEMU offers for `arch`, and who offers them in words (for
   * messages); absent on backends that can't tell.
   */
  machines?(arch: string): Promise<OfferedMachines>;
  /** Releases the connection. */
  close(): Promise<void>;
}

/** What {@link Hypervisor.machines} found. */
export interface OfferedMachines {
  /** E.g. "QEMU 7.2.0 at qemu:///system (x86_64)". */
  readonly where: string;
  readonly machines: readonly OfferedMachine[];
}

/** Progress messages (shown as `pulumi up` diagnostics). */
export type Logger = (message: string) => void;
