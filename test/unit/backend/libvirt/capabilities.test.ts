/** offeredMachines: libvirt 9.0's capabilities XML (an excerpt of this host's) → machine types per arch. */
import { offeredMachines } from "../../../../provider/backend/libvirt/capabilities";

const CAPS = `<capabilities>
  <host><uuid>x</uuid><cpu><arch>x86_64</arch></cpu></host>
  <guest>
    <os_type>hvm</os_type>
    <arch name='i686'><wordsize>32</wordsize><machine maxCpus='255'>pc-i440fx-7.2</machine></arch>
  </guest>
  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <machine maxCpus='255'>pc-i440fx-7.2</machine>
      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
      <machine maxCpus='288'>pc-q35-7.2</machine>
      <machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
      <machine maxCpus='288'>pc-q35-5.2</machine>
      <domain type='qemu'/>
      <domain type='kvm'><machine maxCpus='288'>pc-q35-7.2</machine><machine maxCpus='1'>isapc</machine></domain>
    </arch>
  </guest>
</capabilities>`;

test.each([
  ["x86_64: aliases folded into their versioned names, the kvm domain's extra machine kept, no duplicates", "x86_64", [
    { name: "pc-i440fx-7.2", alias: "pc" }, { name: "pc-q35-7.2", alias: "q35" }, { name: "pc-q35-5.2" }, { name: "isapc" },
  ]],
  ["i686: only its own arch", "i686", [{ name: "pc-i440fx-7.2" }]],
  ["an arch the host lacks: none", "s390x", []],
])("%s", (_name, arch, want) => {
  expect(offeredMachines(CAPS, arch)).toEqual(want);
});
