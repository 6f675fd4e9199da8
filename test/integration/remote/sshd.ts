/**
 * Fixture for the ssh transport tests: the loopback sshd that .ci/host-setup.sh (phase sshd) runs on
 * 127.0.0.1:22, a client key made at test time in a temp dir and authorized for root (in the sshd's
 * AuthorizedKeysFile directory), a known_hosts written from `ssh-keyscan`, and a second key that is
 * never authorized. {@link SshFixture.cleanup} removes the key from authorized_keys and the dir.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../guest/exec";

/** Where host-setup's sshd reads authorized keys (`AuthorizedKeysFile …/authorized_keys/%u`). */
export const SSHD_AUTHORIZED_DIR = "/etc/pulumi-qemu-vcpu/sshd/authorized_keys";
/** The loopback sshd of host-setup. */
export const SSHD_HOST = "127.0.0.1";

/** Keys and files of one test file's ssh setup. */
export interface SshFixture {
  dir: string;
  /** Private key authorized for root. */
  key: string;
  /** Private key that is not authorized anywhere. */
  wrongKey: string;
  /** known_hosts holding the sshd's host keys (from ssh-keyscan). */
  knownHosts: string;
  /** An empty known_hosts (the host key is unknown). */
  emptyKnownHosts: string;
  /** `keyfile=…&known_hosts=…` for the authorized key. */
  query: string;
  cleanup(): void;
}

async function keygen(path: string, comment: string): Promise<string> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
  return readFileSync(`${path}.pub`, "utf8").trim();
}

function unauthorize(comment: string): void {
  const file = join(SSHD_AUTHORIZED_DIR, "root");
  const kept = readFileSync(file, "utf8").split("\n").filter((l) => l !== "" && !l.endsWith(` ${comment}`));
  writeFileSync(file, kept.map((l) => `${l}\n`).join(""));
}

/** Makes the keys and known_hosts; throws with a hint when host-setup's sshd does not answer. */
export async function makeSshFixture(): Promise<SshFixture> {
  const dir = mkdtempSync(join(tmpdir(), "qvt-ssh-"));
  const comment = `qvt-test-${process.pid}-${dir.slice(-6)}`;
  const pub = await keygen(join(dir, "id_ed25519"), comment);
  await keygen(join(dir, "wrong_ed25519"), `${comment}-wrong`);
  appendFileSync(join(SSHD_AUTHORIZED_DIR, "root"), `${pub}\n`, { mode: 0o600 });
  const scan = await run("ssh-keyscan", ["-T", "5", SSHD_HOST]).catch((e: unknown) => {
    throw new Error(`ssh-keyscan ${SSHD_HOST} failed; run .ci/host-setup.sh (phase sshd): ${String(e)}`);
  });
  if (!scan.stdout.includes("ssh-ed25519")) throw new Error(`no sshd on ${SSHD_HOST}:22; run .ci/host-setup.sh (phase sshd)`);
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, scan.stdout);
  const emptyKnownHosts = join(dir, "known_hosts.empty");
  writeFileSync(emptyKnownHosts, "");
  const key = join(dir, "id_ed25519");
  return {
    dir,
    key,
    wrongKey: join(dir, "wrong_ed25519"),
    knownHosts,
    emptyKnownHosts,
    query: `keyfile=${key}&known_hosts=${knownHosts}`,
    cleanup() {
      unauthorize(comment);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `ss -tnpH state established FILTER` and returns [localPort, peerPort, pids] per line. */
function established(filter: string): Array<{ local: number; peer: number; pids: number[] }> {
  const out = execFileSync("ss", ["-tnpH", "state", "established", filter], { encoding: "utf8" });
  return out.split("\n").flatMap((line) => {
    const m = /:(\d+)\s+\S+:(\d+)\s+users:\((.*)\)/.exec(line);
    if (!m) return [];
    const pids = [...m[3]!.matchAll(/pid=(\d+)/g)].map((p) => Number(p[1]));
    return [{ local: Number(m[1]), peer: Number(m[2]), pids }];
  });
}

/** Local ports of `pid`'s established connections to the loopback sshd. */
export function sshClientPorts(pid: number): number[] {
  return established("( dport = :22 )").filter((c) => c.pids.includes(pid)).map((c) => c.local);
}

/** The sshd processes serving the connection that comes from local port `port`. */
export function sshdServing(port: number): number[] {
  return established(`( sport = :22 and dport = :${port} )`).flatMap((c) => c.pids);
}

/**
 * Freezes (SIGSTOP) the sshd processes serving the connection from `port`: the TCP link stays up
 * but nothing answers, as when a network path dies silently. Returns a thaw that kills them.
 */
export function freezeSshdSession(port: number): () => void {
  const pids = sshdServing(port);
  if (pids.length === 0) throw new Error(`no sshd serves the connection from port ${port}`);
  for (const pid of pids) process.kill(pid, "SIGSTOP");
  return () => {
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
}
