/**
 * SshDialer against fake `ssh` scripts (command=): the child's stdio is the stream, its exit is
 * classified into SshError at once, a deliberate end is clean, destroying the stream kills it.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { SshError } from "../../../../provider/libvirt/errors";
import { SshDialer } from "../../../../provider/libvirt/transport/ssh";
import { sshParams } from "../../../../provider/libvirt/transport/ssh-params";
import { parseLibvirtUri } from "../../../../provider/libvirt/transport/uri";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "qvt-ssh-unit-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake ssh: a shell script with `body`. */
function fakeSsh(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const dialer = (command: string) => new SshDialer(sshParams(parseLibvirtUri(`qemu+ssh://root@kvm1/system?command=${command}`)));

/** How the stream ended: its error, or "end" for a clean end. */
function ending(s: Duplex): Promise<Error | "end"> {
  return new Promise((resolve) => {
    s.on("error", resolve);
    s.on("end", () => resolve("end"));
    s.resume();
  });
}

describe("SshDialer with a fake ssh", () => {
  test("ssh refusing the key: the stream fails at once with AUTH_REJECTED naming the host", async () => {
    const s = await dialer(fakeSsh("denied", `echo "root@kvm1: Permission denied (publickey)." >&2; exit 255`)).dial();
    const started = Date.now();
    const err = await ending(s);
    expect(err).toBeInstanceOf(SshError);
    expect(err).toMatchObject({ code: "SSH_FAILED", reason: "AUTH_REJECTED", host: "kvm1" });
    expect((err as Error).message).toMatch(/ssh to root@kvm1:22 failed \(AUTH_REJECTED\): ssh exited with 255: root@kvm1: Permission denied.*authorize your public key/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test("bytes go through, and our end makes a clean end", async () => {
    const s = await dialer(fakeSsh("cat", "exec cat")).dial();
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    const done = ending(s);
    s.end(Buffer.from("frame"));
    expect(await done).toBe("end");
    expect(Buffer.concat(chunks).toString()).toBe("frame");
  });

  test("the far side ending on its own is a lost link", async () => {
    const s = await dialer(fakeSsh("exit0", "exit 0")).dial();
    expect(await ending(s)).toMatchObject({ reason: "LINK_LOST", message: expect.stringContaining("the far side closed the connection") });
  });

  test("ssh killed by a signal is a lost link", async () => {
    const s = await dialer(fakeSsh("selfkill", "kill -KILL $$")).dial();
    expect(await ending(s)).toMatchObject({ reason: "LINK_LOST", message: expect.stringContaining("killed by SIGKILL") });
  });

  test("destroying the stream kills the child", async () => {
    const marker = join(dir, "still-running");
    const s = await dialer(fakeSsh("sleeper", `sleep 30; touch ${marker}`)).dial();
    const closed = new Promise((r) => s.once("close", r));
    s.destroy();
    await closed;
    expect((s as unknown as { pid: number }).pid).toBeGreaterThan(0);
    expect(() => process.kill((s as unknown as { pid: number }).pid, 0)).toThrow();
  });

  test("a missing ssh binary rejects the dial with COMMAND_MISSING", async () => {
    await expect(dialer(join(dir, "no-such-ssh")).dial()).rejects.toMatchObject({ reason: "COMMAND_MISSING", message: expect.stringContaining("command=/path/to/ssh") });
  });

  test("an aborted connect deadline rejects without spawning", async () => {
    await expect(dialer("ssh").dial(AbortSignal.abort())).rejects.toMatchObject({ reason: "TIMEOUT" });
  });

  test("argv and target", () => {
    const d = dialer("/usr/bin/ssh");
    expect(d.target).toBe("ssh:root@kvm1:22");
    expect(d.argv.slice(0, 3)).toEqual(["/usr/bin/ssh", "-l", "root"]);
  });
});
