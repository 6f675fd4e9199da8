/**
 * Test-guest fixtures: a tiny Linux guest (test/guest/build.sh) run under libvirt (through `virsh`) or as a raw
 * `qemu-system-*` child process with QMP and qemu-guest-agent sockets. See shared/notes/test-guest.md.
 *
 * Deliberately independent of provider/: only node builtins and the `virsh` CLI, so that fixtures do not share
 * bugs with the code under test.
 *
 * Everything polls with deadlines (no fixed sleeps). Names come from {@link uniqueName} so that parallel runs by
 * several people on one host do not collide; {@link cleanupLeftovers} removes what a crashed run left behind.
 *
 * This module is the fixtures' public API; the code lives in one module per concern next to it:
 * - paths.ts: repository root, cache dirs, constants
 * - exec.ts: running commands (virsh), polling, unique names
 * - files.ts: temp dirs, log tails
 * - build.ts: building the guest, choosing the accelerator
 * - topology.ts, domain-xml.ts, domain.ts: libvirt test domains
 * - console.ts: the guest's CPU view from its serial console
 * - qmp-client.ts: the fixtures' own QMP client
 * - agent.ts: raw qemu-ga exchanges
 * - qemu-install.ts: alternative QEMU installations (QEMU 10)
 * - raw-qemu.ts, firmware-only.ts, tracking.ts: QEMU without libvirt, and its pid tracking
 * - cleanup.ts: removing leftovers
 * - numa.ts: NUMA cells of the test guests and the guest's own node view
 */
export { GUEST_CACHE, GUEST_CMDLINE, LIBVIRT_URI, REPO_ROOT } from "./paths";
export { CommandError, pollUntil, uniqueName, virsh, type ExecResult } from "./exec";
export { accelerator, ensureGuestBuilt, type GuestImage } from "./build";
export type { Topology } from "./topology";
export { domainXml, type DomainOptions } from "./domain-xml";
export { parseConsoleCpus, type ConsoleCpus } from "./console";
export { startTestDomain, type TestDomain } from "./domain";
export { QmpClient, QmpError, type QmpEvent, type QmpGreeting } from "./qmp-client";
export { qemu10, qemuFromRoot, type QemuInstall } from "./qemu-install";
export { rawQemu, type RawQemu, type RawQemuOptions } from "./raw-qemu";
export { rawQemuFirmwareOnly, type FirmwareOnlyOptions, type RawQemuFirmwareOnly } from "./firmware-only";
export { cleanupLeftovers, type CleanupReport } from "./cleanup";
export { numaCells, parseGuestNodes, type GuestNode, type NumaCell } from "./numa";
