/**
 * Authentication of the in-process ssh client (qemu+libssh, qemu+libssh2, QMP over SSH), in `sshauth=` order as
 * libvirt's libssh session: `agent` (SSH_AUTH_SOCK), `privkey` (`keyfile=`, else the default keys
 * ~/.ssh/id_ed25519, id_ecdsa, id_rsa, …). Password and keyboard-interactive are never offered: a
 * provider cannot answer prompts.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { AgentAuthMethod, PublicKeyAuthMethod } from "ssh2";

/** What authentication reads: `keyfile` (else the default keys) and the methods in order. */
export interface SshAuthParams {
  readonly keyfile?: string | undefined;
  readonly sshauth: readonly ("agent" | "privkey")[];
}

/** Default private keys, in libvirt's order (virNetClientFindDefaultSshKey). */
export const DEFAULT_KEY_NAMES = ["identity", "id_dsa", "id_ecdsa", "id_ed25519", "id_rsa"];

/** An auth method ssh2 can try, with a label for messages. */
export interface SshAuthAttempt {
  method: PublicKeyAuthMethod | AgentAuthMethod;
  label: string;
}

function readable(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function keyAttempts(p: SshAuthParams, username: string, home: string): SshAuthAttempt[] {
  if (p.keyfile !== undefined) {
    const key = readable(p.keyfile);
    return key ? [{ method: { type: "publickey", username, key }, label: `key ${p.keyfile}` }] : [];
  }
  return DEFAULT_KEY_NAMES.flatMap((name) => {
    const path = join(home, ".ssh", name);
    const key = readable(path);
    return key ? [{ method: { type: "publickey", username, key } as PublicKeyAuthMethod, label: `key ${path}` }] : [];
  });
}

/** The methods to try for `username`, in `sshauth=` order; empty when nothing is available. */
export function sshAuthAttempts(p: SshAuthParams, username: string, env: NodeJS.ProcessEnv = process.env, home = homedir()): SshAuthAttempt[] {
  return p.sshauth.flatMap((m): SshAuthAttempt[] => {
    if (m === "privkey") return keyAttempts(p, username, home);
    const sock = env["SSH_AUTH_SOCK"];
    return sock ? [{ method: { type: "agent", username, agent: sock }, label: `ssh-agent ${sock}` }] : [];
  });
}
