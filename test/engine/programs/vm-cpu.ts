/**
 * Test programs: `VmCpu` constructed from the package by name, as a user's program does,
 * so the captured `__provider` is exactly what users' state holds.
 */
import * as pulumi from "@pulumi/pulumi";
import { VmCpu, type VmCpuArgs } from "pulumi-qemu-vcpu";
import type { Program } from "../capture";

/** One `VmCpu` named `name`. */
export function vmCpuProgram(name: string, args: VmCpuArgs): Program {
  return () => new VmCpu(name, args);
}

/** A resource of another provider whose `cpus` output is only known after it is created. */
class Sizer extends pulumi.CustomResource {
  declare public readonly cpus: pulumi.Output<number>;
  constructor(name: string) {
    super("test:index:Sizer", name, { cpus: undefined });
  }
}

/**
 * A `VmCpu` whose `vcpus` comes from a resource that does not exist yet: in preview the
 * engine sends it as the unknown sentinel.
 */
export function unknownVcpusProgram(name: string, args: Omit<VmCpuArgs, "vcpus">): Program {
  return () => {
    const sizer = new Sizer(`${name}-sizer`);
    return new VmCpu(name, { ...args, vcpus: sizer.cpus });
  };
}

/** One VM of {@link fleetProgram}. */
export interface FleetEntry {
  readonly uri: string;
  readonly domain: string;
}

/** One `VmCpu` per entry (`<domain>-cpu`), all with the same shape; none depends on another. */
export function fleetProgram(entries: readonly FleetEntry[], shape: Omit<VmCpuArgs, "libvirt" | "qmp">): Program {
  return () => entries.map((e) => new VmCpu(`${e.domain}-cpu`, { ...shape, libvirt: { uri: e.uri, domain: e.domain } }));
}
