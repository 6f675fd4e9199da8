/**
 * Every machine name the installed QEMU lists (`-machine help`) for x86_64, ppc64 and s390x is
 * either recognised as its family — so check accepts it and the family's rules apply, the same
 * as with the family's alias — or refused at check with the list of what is known. Taken from
 * the real binaries at test time, so a QEMU upgrade that adds a naming shape fails here.
 */
import { execFileSync } from "node:child_process";
import { checkInputs } from "../../provider/spec";
import { MACHINE_FAMILIES, machineFamily } from "../../provider/spec";

/** Names QEMU lists that are not VM machines this provider manages (no family), with why. */
const NOT_MANAGED: Record<string, string> = {
  none: "the empty machine (no CPUs to manage)",
  "x-remote": "experimental multi-process QEMU device server",
  ...Object.fromEntries(
    ["40p", "bamboo", "g3beige", "mac99", "mpc8544ds", "pegasos2", "powernv", "powernv8", "powernv9", "powernv10", "ppce500", "ref405ep", "sam460ex", "virtex-ml507"]
      .map((n) => [n, "a PowerPC board or bare-metal PowerNV machine: no vCPU hotplug, not a pseries guest"]),
  ),
};

function machineNames(binary: string): string[] {
  const out = execFileSync(binary, ["-machine", "help"], { encoding: "utf8" });
  return out.split("\n").slice(1).map((l) => l.split(/\s+/)[0]!).filter((n) => n !== "");
}

const BINARIES: [string, string][] = [["qemu-system-x86_64", "x86_64"], ["qemu-system-ppc64", "ppc64"], ["qemu-system-s390x", "s390x"]];

describe.each(BINARIES)("%s -machine help", (binary, arch) => {
  const names = machineNames(binary);

  test("lists machines (sanity: the binary answered)", () => {
    expect(names.length).toBeGreaterThan(5);
  });

  test(`every name is a ${arch} family of ours, or one we don't manage`, () => {
    const unknown = names.filter((n) => !machineFamily(n) && !NOT_MANAGED[n]);
    expect(unknown).toEqual([]);
    const wrongArch = names.filter((n) => machineFamily(n) && machineFamily(n)!.arch !== arch);
    expect(wrongArch).toEqual([]);
  });

  test("check treats each versioned name like its family's alias (same failures for the same spec)", () => {
    const spec = (machine: string) => ({ libvirt: { uri: "qemu:///system", domain: "vm" }, maxVcpus: 4, vcpus: 2, machine });
    const reasons = (machine: string) => checkInputs(undefined, spec(machine)).failures.map((f) => `${f.property}: ${f.reason.replaceAll(machine, "<m>")}`);
    const differing = names
      .filter((n) => machineFamily(n))
      .map((n) => [n, reasons(n), reasons(machineFamily(n)!.alias)] as const)
      .filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b));
    expect(differing).toEqual([]);
  });

  test("names we don't manage are refused at check, naming the machine and what is known", () => {
    for (const n of names.filter((x) => NOT_MANAGED[x])) {
      const failures = checkInputs(undefined, { libvirt: { uri: "qemu:///system", domain: "vm" }, maxVcpus: 4, vcpus: 2, machine: n }).failures;
      expect(failures).toEqual([{ property: "machine", reason: expect.stringContaining(`machine "${n}" is not a machine type we know; known aliases: ${Object.keys(MACHINE_FAMILIES).join(", ")}`) }]);
    }
  });
});
