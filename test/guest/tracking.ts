/**
 * Pid tracking of raw QEMU processes: one JSON record per live process under .cache/test-guest/raw, so that
 * cleanupLeftovers can find and kill what a crashed test run left behind, without killing a reused pid.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pollUntil } from "./exec";
import { RAW_TRACK_DIR } from "./paths";

/** What is recorded about one raw QEMU process. */
export interface TrackRecord {
  pid: number;
  /** Fixture name (a uniqueName). */
  name: string;
  /** Its temp dir (appears on its command line). */
  dir: string;
  /** Pid of the test process that started it. */
  owner: number;
  binary: string;
}

/** Records a started raw QEMU process. */
export function track(rec: TrackRecord): void {
  fs.mkdirSync(RAW_TRACK_DIR, { recursive: true });
  fs.writeFileSync(path.join(RAW_TRACK_DIR, `${rec.name}.json`), JSON.stringify(rec));
}

/** Forgets the record of `name` (no-op when there is none). */
export function untrack(name: string): void {
  try {
    fs.unlinkSync(path.join(RAW_TRACK_DIR, `${name}.json`));
  } catch {
    /* already gone */
  }
}

/** Every readable record (read lazily, one at a time; unreadable or vanished files are skipped). */
export function* trackedRecords(): Generator<TrackRecord> {
  let files: string[] = [];
  try {
    files = fs.readdirSync(RAW_TRACK_DIR).filter((f) => f.endsWith(".json"));
  } catch {
    /* nothing tracked */
  }
  for (const f of files) {
    let rec: TrackRecord;
    try {
      rec = JSON.parse(fs.readFileSync(path.join(RAW_TRACK_DIR, f), "utf8")) as TrackRecord;
    } catch {
      continue;
    }
    yield rec;
  }
}

/** True if `pid` is a QEMU we started with temp dir `dir` (guards against pid reuse). */
export function isOurQemu(pid: number, dir: string): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes(dir) && cmdline.includes("qemu-system");
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to 5 s for `exited()`, then SIGKILL and wait up to 5 s more (throws if still not gone). */
export async function killAndWait(pid: number, exited: () => boolean): Promise<void> {
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  };
  if (exited()) return;
  send("SIGTERM");
  try {
    await pollUntil(`QEMU pid ${pid} to exit`, () => exited(), { timeoutMs: 5000, intervalMs: 20 });
  } catch {
    send("SIGKILL");
    await pollUntil(`QEMU pid ${pid} to exit after SIGKILL`, () => exited(), { timeoutMs: 5000, intervalMs: 20 });
  }
}
