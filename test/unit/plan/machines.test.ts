/** machineNotOffered: a declared machine type against what the host's QEMU lists. */
import { machineNotOffered } from "../../../provider/plan";

const X86 = [
  { name: "pc-i440fx-7.2", alias: "pc" },
  { name: "pc-q35-7.2", alias: "q35" },
  ...["2.4", "2.10", "2.9", "5.2", "6.0", "6.1", "6.2", "7.0", "7.1"].map((v) => ({ name: `pc-q35-${v}` })),
  { name: "microvm" },
];
const S390 = [{ name: "s390-ccw-virtio-7.2", alias: "s390-ccw-virtio" }, { name: "s390-ccw-virtio-7.1" }];
const WHERE = "QEMU 7.2.0 through libvirt (x86_64)";
const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("offered", () => {
  test.each([
    ["a versioned name", "pc-q35-5.2", X86],
    ["an alias", "q35", X86],
    ["a machine without a family rule", "microvm", X86],
    ["an s390 alias", "s390-ccw-virtio", S390],
  ])("%s: %s", (_name, machine, offered) => {
    expect(machineNotOffered(machine, offered, WHERE)).toBeUndefined();
  });
});

describe("not offered: the reason names the host and what it offers", () => {
  test.each([
    ["a version this QEMU does not have", "pc-q35-99.99", X86, new RegExp(`^${escape('machine "pc-q35-99.99" is not offered by QEMU 7.2.0 through libvirt (x86_64); aliases offered: pc (= pc-i440fx-7.2), q35 (= pc-q35-7.2); q35 versions offered: …, pc-q35-6.0, pc-q35-6.1, pc-q35-6.2, pc-q35-7.0, pc-q35-7.1, pc-q35-7.2')}$`)],
    ["versions sorted as numbers (2.10 after 2.9)", "pc-q35-1.0", [{ name: "pc-q35-2.10" }, { name: "pc-q35-2.9" }], /q35 versions offered: pc-q35-2\.9, pc-q35-2\.10$/],
    ["an s390 machine of another version", "s390-ccw-virtio-99.0", S390, /aliases offered: s390-ccw-virtio \(= s390-ccw-virtio-7\.2\); s390-ccw-virtio versions offered: s390-ccw-virtio-7\.1, s390-ccw-virtio-7\.2$/],
    ["an empty list", "q35", [], /aliases offered: none$/],
  ])("%s", (_name, machine, offered, reason) => {
    expect(machineNotOffered(machine, offered, WHERE)).toMatch(reason);
  });
});
