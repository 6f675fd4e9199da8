/**
 * Where the test guest lives and the constants every fixture shares: the repository root (found from this file,
 * so it works from test/guest/ under ts-jest and from dist/test/guest/ when compiled), the .cache directories,
 * the guest build cache, the guest kernel command line, the libvirt URI and the poll interval.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Repository root: the nearest directory above this file holding test/guest/build.sh (this file
 * runs from test/guest/ under ts-jest, and from dist/test/guest/ when compiled for bench/demo).
 */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "test", "guest", "build.sh"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root (test/guest/build.sh) above ${from}`);
  }
}

/** test/guest/ in the source tree: build.sh and qemu10.sh. */
export const GUEST_DIR = path.join(REPO_ROOT, "test", "guest");
const CACHE = path.join(REPO_ROOT, ".cache");
/**
 * Where build.sh keeps guest builds, one directory per content key: outside the checkout, because libvirt's
 * QEMU user can't open files under a clone in a 0700 directory (env GUEST_CACHE overrides).
 */
export const GUEST_CACHE = process.env.GUEST_CACHE ?? "/var/cache/pulumi-qemu-vcpu/guest";
/** One JSON file per live raw QEMU process started by rawQemu / rawQemuFirmwareOnly (see tracking.ts). */
export const RAW_TRACK_DIR = path.join(CACHE, "test-guest", "raw");

/** Kernel command line: `quiet` plus the TCG speed-ups measured in the note (§1.5). */
export const GUEST_CMDLINE = "console=ttyS0 quiet panic=-1 cryptomgr.notests mitigations=off lpj=8388836 no_timer_check";

/** {@link GUEST_CMDLINE}, with `extra` appended when given. */
export function guestCmdline(extra?: string): string {
  return extra ? `${GUEST_CMDLINE} ${extra}` : GUEST_CMDLINE;
}

/** libvirt URI used by every virsh call here (env TEST_LIBVIRT_URI overrides). */
export const LIBVIRT_URI = process.env.TEST_LIBVIRT_URI ?? "qemu:///system";

/** Default poll interval of the fixtures' waits, ms. */
export const POLL_MS = 50;
