/**
 * What several fault tests share: freezing qemu-ga inside a guest, and capturing the provider's log lines
 * (with a hook that fires a fault at a given line).
 */
import { pollUntil } from "../guest/guest";

/** A guest whose agent can run a command (TestDomain or RawQemu); `ping` answers or rejects within about 1 s. */
export interface AgentGuest {
  agentCommand<T = unknown>(execute: string, args?: Record<string, unknown>, timeout?: number): Promise<T>;
}

/** Freezes qemu-ga inside the guest: a child it spawns (guest-exec) sends it SIGSTOP. `pingTimeout` in the guest helper's unit. */
export async function freezeAgent(vm: AgentGuest, pingTimeout: number): Promise<void> {
  await vm.agentCommand("guest-exec", { path: "/bin/sh", arg: ["-c", "sleep 0.2; kill -STOP $(pidof qemu-ga)"], "capture-output": false });
  // The child waits 0.2 s so guest-exec's reply gets out first; then pings stop being answered.
  await pollUntil("qemu-ga to stop answering", () => vm.agentCommand("guest-ping", undefined, pingTimeout).then(() => undefined, () => true), { timeoutMs: 15_000 });
}

/** Captures console.log lines (the provider's log) until `restore`; `onLine` sees each as it is written. */
export function captureLogs(onLine: (line: string) => void = () => undefined): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spy = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    const line = args.join(" ");
    lines.push(line);
    onLine(line);
  });
  return { lines, restore: () => spy.mockRestore() };
}
