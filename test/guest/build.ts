/** Building the test guest (test/guest/build.sh, once per process) and choosing the accelerator (KVM or TCG). */
import * as fs from "node:fs";
import * as path from "node:path";
import { run, type ExecResult } from "./exec";
import { GUEST_DIR } from "./paths";

/** The built guest: kernel and initramfs paths, plus how the build went. */
export interface GuestImage {
  vmlinux: string;
  initramfs: string;
  /** true when build.sh found an up-to-date stamp and did nothing. */
  cached: boolean;
  /** Wall time of the build.sh run, ms. */
  buildMs: number;
  /** build.sh's stdout (timings per step). */
  log: string;
}

let buildPromise: Promise<GuestImage> | undefined;

/** Runs test/guest/build.sh once per process (build.sh itself is stamp-cached and flock-serialised). */
export function ensureGuestBuilt(): Promise<GuestImage> {
  buildPromise ??= (async () => {
    const t0 = Date.now();
    let out: ExecResult;
    try {
      out = await run("bash", [path.join(GUEST_DIR, "build.sh")], { timeoutMs: 300_000 });
    } catch (e) {
      buildPromise = undefined;
      throw e;
    }
    const vmlinux = /^VMLINUX=(.*)$/m.exec(out.stdout)?.[1];
    const initramfs = /^INITRAMFS=(.*)$/m.exec(out.stdout)?.[1];
    if (!vmlinux || !initramfs) throw new Error(`build.sh printed no VMLINUX=/INITRAMFS= lines:\n${out.stdout}${out.stderr}`);
    return { vmlinux, initramfs, cached: /up to date/.test(out.stdout), buildMs: Date.now() - t0, log: out.stdout + out.stderr };
  })();
  return buildPromise;
}

/**
 * "kvm" only where a real VMX/SVM KVM can run a Linux guest: /proc/cpuinfo has vmx or svm and the module is not
 * the paravirtual kvm_pvm (which cannot run the Debian kernel: see the note §3.1). Otherwise "qemu" (TCG).
 * Env TEST_GUEST_ACCEL=kvm|qemu|tcg overrides.
 */
export function accelerator(): "kvm" | "qemu" {
  const env = process.env.TEST_GUEST_ACCEL;
  if (env === "kvm") return "kvm";
  if (env === "qemu" || env === "tcg") return "qemu";
  if (env) throw new Error(`TEST_GUEST_ACCEL must be kvm, qemu or tcg, not ${JSON.stringify(env)}`);
  let cpuinfo = "";
  try {
    cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "qemu";
  }
  const hasVirt = /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);
  const pvm = fs.existsSync("/sys/module/kvm_pvm");
  return hasVirt && !pvm && fs.existsSync("/dev/kvm") ? "kvm" : "qemu";
}
