/**
 * Reads one domain's live state through libvirt: state, live and persistent XML, QEMU's
 * own slot view (`query-hotpluggable-cpus` through libvirt's QEMU monitor command) and the
 * guest's view (`virDomainGetGuestVcpus`), issued together on one connection.
 */
import {
  BLOCKED,
  CRASHED,
  NOSTATE,
  PAUSED,
  PMSUSPENDED,
  RUNNING,
  SHUTDOWN,
  SHUTOFF,
  XML_INACTIVE,
  type DomainRef,
  type LibvirtClient,
} from "../../libvirt";
import type { AgentStatus, ConfigCpus, GuestView, LiveState, RunState, Topology } from "../../spec";
import { inferTopology, mergeSlots, type QemuSlot } from "../slots";
import { guestView } from "../guest-view";
import { agentFailure, libvirtAgent } from "./agent";
import { readDomainCpu, type DomainCpuFacts } from "./domain-xml";
import { queryCpuView, type QemuCpuView } from "./qemu";
import { legacySlots } from "../qemu-view";

const RUN_STATES: Record<number, RunState> = {
  [NOSTATE]: "unknown",
  [RUNNING]: "running",
  [BLOCKED]: "blocked",
  [PAUSED]: "paused",
  [SHUTDOWN]: "shutdown",
  [SHUTOFF]: "shutoff",
  [CRASHED]: "crashed",
  [PMSUSPENDED]: "pmsuspended",
};

/** States in which a QEMU process exists and its vCPUs can be read and changed. */
const ACTIVE: ReadonlySet<RunState> = new Set(["running", "blocked", "paused", "shutdown", "pmsuspended"]);

/**
 * Topology of a definition. Without `<topology>` libvirt 9.0 starts QEMU with
 * `sockets=maxVcpus,cores=1,threads=1`: read it from QEMU's slots when running, else assume that.
 */
export function topologyOf(f: DomainCpuFacts, qemu?: readonly QemuSlot[]): Topology {
  if (f.topology) return f.topology;
  return qemu?.length ? inferTopology(qemu, f.arch) : { sockets: f.maxVcpus, dies: 1, cores: 1, threads: 1 };
}

function configOf(f: DomainCpuFacts): ConfigCpus {
  return { maxVcpus: f.maxVcpus, vcpus: f.currentVcpus, topology: topologyOf(f), machine: f.machine };
}

/** What the guest agent looked like during a read. */
export interface AgentRead {
  readonly status: AgentStatus;
  readonly guest: GuestView | undefined;
}

/**
 * How long a read waits for the guest agent (one `guest-get-vcpus`): a hung agent makes the read say
 * "unavailable" after this, it never holds the read up longer. Generous, because a TCG guest busy
 * booting can take seconds to answer; `guestAgent: "required"` pings it bounded by agentSeconds.
 */
export const AGENT_PING_MS = 5000;

/** Reads the guest's CPUs through the agent, bounded; never throws for an absent, silent or hung agent. */
export async function readGuest(client: LibvirtClient, dom: DomainRef, useAgent: boolean): Promise<AgentRead> {
  if (!useAgent) return { status: "off", guest: undefined };
  try {
    return { status: "connected", guest: guestView(await libvirtAgent(client, dom, Date.now() + AGENT_PING_MS).getVcpus()) };
  } catch (err) {
    return { status: agentFailure(err) === "not-configured" ? "not-configured" : "unavailable", guest: undefined };
  }
}

/**
 * The agent's status without the guest's view: off, or the channel's state. A connected channel does
 * not prove the agent answers: guest steps are bounded by agentSeconds, and `guestAgent: "required"`
 * pings it before anything changes (converge).
 */
function quickAgentStatus(useAgent: boolean, facts: DomainCpuFacts): AgentStatus {
  if (!useAgent) return "off";
  return facts.agentChannel?.state === "connected" ? "connected" : "unavailable";
}

/** Versions, read once per connection. */
export interface Versions {
  readonly libvirt: string;
  readonly qemu: string;
}

/**
 * Reads the whole live state of `dom` in one round of concurrent calls: everything that a
 * running domain needs is asked at once when the lookup saw it running (`id` ≠ -1); the
 * answers that turn out not to apply are dropped.
 */
export async function readDomain(
  client: LibvirtClient,
  dom: DomainRef,
  versions: Versions,
  useAgent: boolean,
  withGuest = true,
): Promise<LiveState> {
  const wasActive = dom.id !== -1;
  const [st, liveXml, persistent, inactiveXml, qemuEarly, agentEarly] = await Promise.all([
    client.domainGetState(dom),
    client.domainGetXmlDesc(dom, 0),
    client.domainIsPersistent(dom),
    client.domainGetXmlDesc(dom, XML_INACTIVE),
    wasActive ? queryCpuView(client, dom).catch(() => undefined) : Promise.resolve(undefined),
    wasActive && withGuest ? readGuest(client, dom, useAgent) : Promise.resolve(undefined),
  ]);
  const state = RUN_STATES[st.state] ?? "unknown";
  const facts = readDomainCpu(liveXml);
  const active = ACTIVE.has(state);
  // Started after the lookup, or the early query failed: ask again (and let a real error surface).
  const view: QemuCpuView = !active ? { kind: "slots", slots: [] } : qemuEarly ?? (await queryCpuView(client, dom));
  const qemu = view.kind === "slots" ? view.slots : [];
  const agent: AgentRead = !active || state === "paused"
    ? { status: useAgent ? "unavailable" : "off", guest: undefined }
    : !facts.agentChannel && useAgent
      ? { status: "not-configured", guest: undefined }
      : !withGuest
        ? { status: quickAgentStatus(useAgent, facts), guest: undefined }
        : agentEarly ?? (await readGuest(client, dom, useAgent));
  const configXml = persistent ? inactiveXml : undefined;
  const config = configXml === undefined ? undefined : configOf(readDomainCpu(configXml));
  const base = {
    backend: "libvirt" as const, name: facts.name, uuid: facts.uuid, state, arch: facts.arch,
    config, agent: agent.status, guest: agent.guest, acpi: facts.acpi,
    libvirtVersion: versions.libvirt, qemuVersion: versions.qemu,
  };
  if (!active) return { ...base, running: undefined, disagreements: [] };
  const instance = dom.id !== -1 ? `domid:${dom.id}` : undefined;
  const topology = topologyOf(facts, qemu);
  // QEMU before 2.7 (libvirt hot-adds there with setvcpus → cpu-add): QEMU's present vCPUs up to the definition's maximum.
  const merged = view.kind === "cpu-add"
    ? { slots: legacySlots(facts.maxVcpus, view.present), disagreements: [] }
    : mergeSlots(facts.arch, qemu, topology, facts.vcpus.map((v) => ({ ...v, node: facts.numaNodeOf.get(v.id) })));
  const plugged = merged.slots.filter((s) => s.enabled).length;
  return {
    ...base,
    running: { maxVcpus: facts.maxVcpus, topology, machine: facts.machine, vcpus: plugged, libvirtVcpus: facts.currentVcpus, slots: merged.slots },
    disagreements: merged.disagreements,
    instance,
  };
}
