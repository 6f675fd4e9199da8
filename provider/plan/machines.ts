/**
 * Is a declared machine type one the host's QEMU offers? `check` knows only the families we
 * have rules for (`pc-q35-99.99` looks like one); the host knows which versions exist. Pure.
 */
import { machineFamily, type OfferedMachine } from "../spec";

/** How many offered names of the same family a message lists (the newest ones). */
const SHOWN = 6;

/** Numeric-aware order of versioned names: pc-q35-2.10 after pc-q35-2.9. */
const byVersion = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

/** What to suggest: the aliases offered, and the newest versions of the declared one's family. */
function suggestions(machine: string, offered: readonly OfferedMachine[]): string {
  const family = machineFamily(machine);
  const aliases = offered.filter((m) => m.alias).map((m) => `${m.alias} (= ${m.name})`);
  const same = offered.map((m) => m.name).filter((n) => family !== undefined && machineFamily(n) === family).sort(byVersion);
  const newest = same.slice(-SHOWN);
  const versions = newest.length ? `; ${family?.alias ?? "its family"} versions offered: ${same.length > SHOWN ? "…, " : ""}${newest.join(", ")}` : "";
  return `aliases offered: ${aliases.join(", ") || "none"}${versions}`;
}

/**
 * Undefined when `machine` is offered (by name or alias), else the reason naming what `where`
 * (e.g. `QEMU 7.2 at qemu:///system, x86_64`) offers instead.
 */
export function machineNotOffered(machine: string, offered: readonly OfferedMachine[], where: string): string | undefined {
  if (offered.some((m) => m.name === machine || m.alias === machine)) return undefined;
  return `machine "${machine}" is not offered by ${where}; ${suggestions(machine, offered)}`;
}
