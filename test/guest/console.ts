/** Reading the guest's view of its CPUs from the serial console: the `GI: CPUS …` lines printed by test/guest/init. */
import * as fs from "node:fs";

/** Parsed `GI: CPUS uptime=… cpu0=1 cpu1=0 …` line of the guest's /init. */
export interface ConsoleCpus {
  /** Guest uptime in seconds when the line was printed. */
  uptime: number;
  /** CPUs the guest kernel knows (sorted). */
  present: number[];
  /** Those online (sorted). */
  online: number[];
  line: string;
}

/** Parses the last `GI: CPUS` line of a serial log; null when there is none (yet). */
export function parseConsoleCpus(log: string): ConsoleCpus | null {
  const lines = log.replace(/\r/g, "").split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? "";
    const m = /GI: CPUS uptime=([0-9.]+)((?: cpu\d+=[01])*)\s*$/.exec(line);
    if (!m) continue;
    const present: number[] = [];
    const online: number[] = [];
    for (const c of (m[2] ?? "").matchAll(/cpu(\d+)=([01])/g)) {
      const id = Number(c[1]);
      present.push(id);
      if (c[2] === "1") online.push(id);
    }
    const byNum = (a: number, b: number) => a - b;
    return { uptime: Number(m[1]), present: present.sort(byNum), online: online.sort(byNum), line: line.trim() };
  }
  return null;
}

/** {@link parseConsoleCpus} of the file `serialLog`; null when it cannot be read or has no such line. */
export function readConsoleCpus(serialLog: string): ConsoleCpus | null {
  let text: string;
  try {
    text = fs.readFileSync(serialLog, "utf8");
  } catch {
    return null;
  }
  return parseConsoleCpus(text);
}
