/**
 * A typed, lazy view of one `VmCpu`'s properties as a policy sees them. Each field is read only
 * when a rule asks for it, and parsed with the spec's own zod schema (so the spec's defaults
 * apply, e.g. `coldChanges` → "refuse"). Reading a field that is unknown during preview throws
 * `@pulumi/policy`'s `UnknownValueError` from its property proxy; CrossGuard then reports the
 * policy as not run ("can't run policy … during preview"), never as passed. Rules therefore
 * read only the fields they need, in the order they need them.
 */
import { z } from "zod";
import {
  entitySize, machineFamily, NumaNode, Topology, VmCpuInputFields, type ColdChanges, type GuestAgentMode, type MachineFamily,
  type NumaPlacement, type VmCpuInputs,
} from "../../provider/spec";
import type { Shrinkable } from "./config";
import { stackOfUrn } from "./match";

type Props = Record<string, unknown>;

/** Parses one value with a spec schema; a value the spec rejects is an error naming the resource. */
function parse<S extends z.ZodType>(schema: S, value: unknown, name: string, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`VmCpu ${name}: ${parsed.error.issues[0]?.message ?? `invalid ${what}`}`);
  return parsed.data;
}

/** A nested object property (a proxy at preview), or undefined. */
function nested(props: Props, key: string): Props | undefined {
  const value = props[key];
  return value === undefined || value === null ? undefined : (value as Props);
}

type ScalarField = "maxVcpus" | "vcpus" | "machine" | "guestAgent" | "coldChanges" | "numaPlacement";

/** One `VmCpu` as a policy sees it: checked inputs (Analyze) or outputs (AnalyzeStack). */
export class VmCpuView {
  /**
   * @param props `args.props` (keep the proxy: it is what turns unknowns into "not run").
   * @param name the resource name.
   * @param urn the resource URN.
   */
  constructor(private readonly props: Props, readonly name: string, readonly urn: string) {}

  private scalar<K extends ScalarField>(key: K): VmCpuInputs[K] {
    return parse(VmCpuInputFields.shape[key], this.props[key], this.name, key) as VmCpuInputs[K];
  }

  /** Stack the resource belongs to (from its URN). */
  get stack(): string {
    return stackOfUrn(this.urn);
  }
  /** Declared machine type, or undefined when the program leaves it to the running VM. */
  get machine(): string | undefined {
    return this.scalar("machine");
  }
  /** Row of the spec's `MACHINE_FAMILIES` for {@link machine}; undefined when not declared. */
  get family(): MachineFamily | undefined {
    const machine = this.machine;
    return machine === undefined ? undefined : machineFamily(machine);
  }
  /** Declared vCPU count (inputs); the plugged count in outputs. */
  get vcpus(): number {
    return this.scalar("vcpus");
  }
  /** Declared maximum (`-smp maxcpus`). */
  get maxVcpus(): number {
    return this.scalar("maxVcpus");
  }
  /** `guestAgent`, with the spec's default ("optional") when absent. */
  get guestAgent(): GuestAgentMode {
    return this.scalar("guestAgent");
  }
  /** `coldChanges`, with the spec's default ("refuse") when absent. */
  get coldChanges(): ColdChanges {
    return this.scalar("coldChanges");
  }
  /** `numaPlacement`, with the spec's default ("lowest-id") when absent. */
  get numaPlacement(): NumaPlacement {
    return this.scalar("numaPlacement");
  }
  /** The outputs' per-node summary (state after an apply or refresh); undefined in inputs and without NUMA. */
  get numaNodes(): NumaNode[] | undefined {
    const nodes = this.props["numaNodes"];
    if (nodes === undefined || nodes === null) return undefined;
    return parse(z.array(NumaNode), JSON.parse(JSON.stringify(nodes)), this.name, "numaNodes");
  }
  /** Declared topology, or undefined. */
  get topology(): Topology | undefined {
    const t = nested(this.props, "topology");
    if (!t) return undefined;
    const plain = { sockets: t["sockets"], dies: t["dies"], clusters: t["clusters"], cores: t["cores"], threads: t["threads"] };
    return parse(Topology, Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined)), this.name, "topology");
  }
  /** Declared threads per core (1 without a topology); reads nothing else of the topology. */
  get threads(): number {
    const t = nested(this.props, "topology");
    return t ? parse(Topology.shape.threads, t["threads"], this.name, "topology.threads") : 1;
  }
  /** vCPUs per hotpluggable entity (a core of `threads` on pseries, else 1). */
  get entity(): number {
    const family = this.family;
    return family ? entitySize(family, this.threads) : 1;
  }
  /** libvirt connection URI, or undefined for a raw QMP connection. */
  get libvirtUri(): string | undefined {
    const lv = nested(this.props, "libvirt");
    return lv ? String(lv["uri"]) : undefined;
  }
  /** What the program declared (`declared.<key>` in outputs, else the input of that name). */
  declaredCount(key: "vcpus" | "maxVcpus"): number {
    const declared = nested(this.props, "declared");
    return parse(VmCpuInputFields.shape[key], declared ? declared[key] : this.props[key], this.name, key);
  }
}

/**
 * Whether a resource may be scaled down, by the `shrinkable` rule: "always" (any VmCpu can be
 * edited down later), "when-below-max" (only one running below its maximum, i.e. managed
 * elastically) or "never".
 */
export function mayShrink(vm: VmCpuView, rule: Shrinkable): boolean {
  if (rule === "never") return false;
  return rule === "always" || vm.vcpus < vm.maxVcpus;
}

/** A `maxVcpus` value with the `topology.cores` that makes the declared topology match it. */
export interface MaxVcpusHint {
  readonly maxVcpus: number;
  readonly cores?: number;
}

/**
 * The nearest valid `maxVcpus` at or above (`"up"`) / at or below (`"down"`) `target`: a multiple
 * of sockets×dies×clusters×threads when a topology is declared (check requires the product to
 * equal maxVcpus), with the `cores` value to write. Undefined when none fits (below 1).
 */
export function maxVcpusHint(topology: Topology | undefined, target: number, direction: "up" | "down"): MaxVcpusHint | undefined {
  if (!topology) return target >= 1 ? { maxVcpus: target } : undefined;
  const unit = topology.sockets * (topology.dies ?? 1) * (topology.clusters ?? 1) * topology.threads;
  const cores = direction === "up" ? Math.ceil(target / unit) : Math.floor(target / unit);
  return cores >= 1 ? { maxVcpus: cores * unit, cores } : undefined;
}

/** `12 (topology.cores: 6)` or `12`, for messages. */
export function formatHint(hint: MaxVcpusHint): string {
  return hint.cores === undefined ? `${hint.maxVcpus}` : `${hint.maxVcpus} (topology.cores: ${hint.cores})`;
}
