/**
 * Local sockets resolved as libvirt's client does (remote_sockets.c), against REAL daemons:
 *  - a session libvirtd run as an unprivileged user (`nobody`) in its own temporary XDG dirs,
 *    reached as `qemu:///session` with the client's effective uid switched to that user for
 *    the dial (libvirt only uses the user's daemon for euid > 0);
 *  - runtime dirs laid out like a modular host (only `virtqemud-sock`), a monolithic one (only
 *    `libvirt-sock`), and both, pointing at that daemon; a stale `libvirt-sock` file in the
 *    "both" dir proves which one `auto` picked;
 *  - the system libvirtd's read-only socket (`libvirt-sock-ro`), for reads and a refused write.
 * The system libvirtd other tests use is only read from (and sent one refused write).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LibvirtClient } from "../../../provider/libvirt/client";
import { ConnectError, DialError, SocketAccessDeniedError, SocketNotFoundError, isNoDomain, isOperationDenied } from "../../../provider/libvirt/errors";
import { UnixDialer, realSocketProbe } from "../../../provider/libvirt/transport/unix";
import { parseLibvirtUri } from "../../../provider/libvirt/transport/uri";
import { pollUntil, uniqueName } from "../../guest/exec";
import { describeTransportScenario } from "./scenario";

const NOBODY = 65534;
/** Bound on every refusal: resolution and connect() fail at once, no retries. */
const FAIL_FAST_MS = 1000;

interface SessionDaemon {
  proc: ChildProcess;
  /** Its XDG_RUNTIME_DIR; the socket is `<runtime>/libvirt/libvirt-sock`. */
  runtime: string;
  startMs: number;
}

let root: string;
const daemons: SessionDaemon[] = [];

function userDir(...parts: string[]): string {
  const d = join(root, ...parts);
  mkdirSync(d, { recursive: true, mode: 0o700 });
  chownSync(d, NOBODY, NOBODY);
  return d;
}

/** Starts `libvirtd` as `nobody` in session mode with its own XDG dirs; resolves once its socket answers. */
async function startSessionDaemon(name: string): Promise<SessionDaemon> {
  const base = userDir(name);
  const env = {
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: userDir(name, "home"), XDG_RUNTIME_DIR: userDir(name, "run"),
    XDG_CONFIG_HOME: userDir(name, "config"), XDG_CACHE_HOME: userDir(name, "cache"),
  };
  const started = Date.now();
  const proc = spawn("setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "libvirtd", "--timeout", "0"], {
    env, stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  proc.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const daemon = { proc, runtime: env.XDG_RUNTIME_DIR, startMs: 0 };
  daemons.push(daemon);
  await pollUntil(`session libvirtd in ${base} answers`, async () => {
    if (proc.exitCode !== null) throw Object.assign(new Error(`session libvirtd exited ${proc.exitCode}: ${stderr}`), { fatal: true });
    const c = await asUser(env.XDG_RUNTIME_DIR, () => LibvirtClient.connect({ uri: "qemu:///session", connectTimeoutMs: 2000 })).catch(() => undefined);
    await c?.close();
    return c !== undefined || undefined;
  }, { timeoutMs: 20_000, intervalMs: 50 });
  daemon.startMs = Date.now() - started;
  return daemon;
}

/**
 * Runs `fn` (a connect) with the effective uid of `nobody` and XDG_RUNTIME_DIR=`runtime`, as that
 * user's own client would; the socket keeps the credentials of its connect() (SO_PEERCRED).
 */
async function asUser<T>(runtime: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env["XDG_RUNTIME_DIR"];
  process.env["XDG_RUNTIME_DIR"] = runtime;
  process.seteuid!(NOBODY);
  try {
    return await fn();
  } finally {
    process.seteuid!(0);
    if (saved === undefined) delete process.env["XDG_RUNTIME_DIR"];
    else process.env["XDG_RUNTIME_DIR"] = saved;
  }
}

/** A runtime dir whose `libvirt/` holds the given entries: symlinks to sockets or stale files. */
function runtimeDir(name: string, entries: Record<string, { link: string } | "stale">): string {
  const runtime = userDir(name);
  const lib = userDir(name, "libvirt");
  for (const [file, what] of Object.entries(entries)) {
    if (what === "stale") {
      writeFileSync(join(lib, file), ""); // a leftover name nobody listens on (connect → ECONNREFUSED)
      chownSync(join(lib, file), NOBODY, NOBODY);
    }
    else symlinkSync(what.link, join(lib, file));
  }
  return runtime;
}

let session: SessionDaemon;
let denied: SessionDaemon;
let dirs: { legacy: string; modular: string; both: string; system: string };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "qvt-local-"));
  chmodSync(root, 0o755);
  // one after the other: asUser() switches the euid of the whole process while it dials
  session = await startSessionDaemon("s1");
  denied = await startSessionDaemon("s2");
  console.log(`session libvirtd (uid ${NOBODY}) answering after ${session.startMs} ms and ${denied.startMs} ms`);
  const sock = join(session.runtime, "libvirt", "libvirt-sock");
  chmodSync(join(denied.runtime, "libvirt", "libvirt-sock"), 0o000); // its owner may no longer connect: EACCES
  dirs = {
    legacy: session.runtime,
    modular: runtimeDir("modular", { "virtqemud-sock": { link: sock } }),
    both: runtimeDir("both", { "virtqemud-sock": { link: sock }, "libvirt-sock": "stale" }),
    // system-style dir (…-sock + …-sock-ro): the rw socket refuses nobody, the -ro one is the session daemon
    system: runtimeDir("system", { "libvirt-sock": { link: join(denied.runtime, "libvirt", "libvirt-sock") }, "libvirt-sock-ro": { link: sock } }),
  };
});

afterAll(async () => {
  for (const d of daemons) {
    if (d.proc.exitCode === null) {
      const exited = new Promise((r) => d.proc.once("exit", r));
      d.proc.kill("SIGTERM");
      await exited;
    }
  }
  rmSync(root, { recursive: true, force: true });
});

/** Connects as nobody to `uri` with XDG_RUNTIME_DIR=`runtime`; returns the client and the socket reached. */
async function sessionConnect(runtime: string, uri = "qemu:///session"): Promise<{ client: LibvirtClient; path: string | undefined; ms: number }> {
  const dialer = new UnixDialer(parseLibvirtUri(uri));
  const t0 = Date.now();
  const client = await asUser(runtime, () => LibvirtClient.connect({ uri, dialer }));
  return { client, path: dialer.lastPath, ms: Date.now() - t0 };
}

async function refusal(runtime: string, uri: string): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  const err = await asUser(runtime, () => LibvirtClient.connect({ uri })).then(
    async (c) => (await c.close(), new Error("connected")),
    (e: unknown) => e,
  );
  return { err: (err as ConnectError).cause ?? err, ms: Date.now() - t0 };
}

describe("qemu:///session: the user's own daemon", () => {
  test("auto on a monolithic runtime dir → $XDG_RUNTIME_DIR/libvirt/libvirt-sock; listing and reads work", async () => {
    const { client, path, ms } = await sessionConnect(dirs.legacy);
    try {
      console.log(`qemu:///session connect ${ms} ms`);
      expect(path).toBe(join(dirs.legacy, "libvirt", "libvirt-sock"));
      expect(await client.connectListAllDomains(0)).toEqual([]);
      expect(await client.connectGetHostname()).not.toBe("");
      expect(isNoDomain(await client.domainLookupByName(uniqueName("qvt-none")).catch((e: unknown) => e))).toBe(true);
    } finally {
      await client.close();
    }
  });

  const picks: Record<string, { dir: () => string; uri: string; socket: string }> = {
    "modular host without virtproxyd: auto → virtqemud-sock": { dir: () => dirs.modular, uri: "qemu:///session", socket: "virtqemud-sock" },
    "mode=direct → virtqemud-sock": { dir: () => dirs.modular, uri: "qemu+unix:///session?mode=direct", socket: "virtqemud-sock" },
    "both present: auto → the direct socket first, as libvirt (libvirt-sock here is stale)": { dir: () => dirs.both, uri: "qemu:///session", socket: "virtqemud-sock" },
    "mode=legacy on a monolithic dir → libvirt-sock": { dir: () => dirs.legacy, uri: "qemu:///session?mode=legacy", socket: "libvirt-sock" },
  };
  test.each(Object.entries(picks))("%s", async (_name, c) => {
    const { client, path } = await sessionConnect(c.dir(), c.uri);
    try {
      expect(path).toBe(join(c.dir(), "libvirt", c.socket));
      expect(await client.connectListAllDomains(0)).toEqual([]);
    } finally {
      await client.close();
    }
  });

  test("mode=legacy on a modular dir → SOCKET_NOT_FOUND naming libvirt-sock and libvirtd, at once", async () => {
    const { err, ms } = await refusal(dirs.modular, "qemu:///session?mode=legacy");
    expect(err).toBeInstanceOf(SocketNotFoundError);
    expect(err).toMatchObject({ code: "SOCKET_NOT_FOUND", daemon: "libvirtd", paths: [join(dirs.modular, "libvirt", "libvirt-sock")] });
    expect((err as Error).message).toMatch(/no libvirt socket at .*libvirt-sock \(ENOENT\); start libvirtd/);
    expect(ms).toBeLessThan(FAIL_FAST_MS);
  });

  test("mode=direct on a monolithic dir → SOCKET_NOT_FOUND saying to start virtqemud", async () => {
    const { err, ms } = await refusal(dirs.legacy, "qemu:///session?mode=direct");
    expect(err).toMatchObject({ code: "SOCKET_NOT_FOUND", daemon: "virtqemud", paths: [join(dirs.legacy, "libvirt", "virtqemud-sock")] });
    expect((err as Error).message).toMatch(/start virtqemud/);
    expect(ms).toBeLessThan(FAIL_FAST_MS);
  });

  test("auto with neither socket → SOCKET_NOT_FOUND listing both paths", async () => {
    const empty = runtimeDir("empty", {});
    const { err } = await refusal(empty, "qemu:///session");
    expect(err).toMatchObject({ code: "SOCKET_NOT_FOUND", paths: [join(empty, "libvirt", "virtqemud-sock"), join(empty, "libvirt", "libvirt-sock")] });
  });

  test("mode=legacy onto the stale libvirt-sock → DialError saying libvirtd is not running", async () => {
    const { err } = await refusal(dirs.both, "qemu:///session?mode=legacy");
    expect(err).toBeInstanceOf(DialError);
    expect((err as Error).message).toMatch(/ECONNREFUSED.*is libvirtd running/);
  });
});

describe("read-only socket", () => {
  test("qemu:///system readOnly: reads through libvirt-sock-ro work, a write is refused (OPERATION_DENIED) and not applied", async () => {
    const dialer = new UnixDialer(parseLibvirtUri("qemu:///system"), { readOnly: true });
    const ro = await LibvirtClient.connect({ uri: "qemu:///system", dialer, readOnly: true });
    const name = uniqueName("qvt-ro");
    try {
      expect(dialer.lastPath).toBe("/run/libvirt/libvirt-sock-ro");
      expect(Array.isArray(await ro.connectListAllDomains(0))).toBe(true);
      expect(await ro.connectGetHostname()).not.toBe("");
      const xml = `<domain type='qemu'><name>${name}</name><memory unit='KiB'>65536</memory><os><type arch='x86_64'>hvm</type></os></domain>`;
      const err = await ro.domainDefineXmlFlags(xml, 0).catch((e: unknown) => e);
      expect(isOperationDenied(err)).toBe(true);
      expect(err).toMatchObject({ code: "LIBVIRT_ERROR", errorCode: 29 });
      expect((err as Error).message).toMatch(/read only access prevents virDomainDefineXMLFlags/);
    } finally {
      await ro.close();
    }
    const rw = await LibvirtClient.connect({ uri: "qemu:///system" });
    try {
      expect(isNoDomain(await rw.domainLookupByName(name).catch((e: unknown) => e))).toBe(true);
    } finally {
      await rw.close();
    }
  });

  test("ConnectOptions.readOnly picks the -ro socket by itself", async () => {
    const c = await LibvirtClient.connect({ uri: "qemu:///system", readOnly: true });
    try {
      expect(isOperationDenied(await c.domainDefineXmlFlags("<domain type='qemu'><name>x</name></domain>", 0).catch((e: unknown) => e))).toBe(true);
    } finally {
      await c.close();
    }
  });

  // The system-style dir: libvirt-sock refuses nobody (EACCES from the kernel), libvirt-sock-ro is a live daemon.
  const systemDialer = (readOnly: boolean | "fallback"): UnixDialer =>
    new UnixDialer(parseLibvirtUri("qemu:///system"), { readOnly, probe: { ...realSocketProbe(), euid: NOBODY, systemDir: join(dirs.system, "libvirt") } });

  test("EACCES on the read-write socket → SOCKET_ACCESS_DENIED naming root, the libvirt group and the -ro socket", async () => {
    const dialer = systemDialer(false);
    const t0 = Date.now();
    const err = await asUser(dirs.system, () => dialer.dial()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocketAccessDeniedError);
    expect(err).toMatchObject({ code: "SOCKET_ACCESS_DENIED", path: join(dirs.system, "libvirt", "libvirt-sock"), readOnlyPath: join(dirs.system, "libvirt", "libvirt-sock-ro") });
    expect((err as Error).message).toMatch(/permission denied .*root or as a member of the libvirt group.*read-only/);
    expect((err as Error).cause).toMatchObject({ code: "EACCES" });
    expect(Date.now() - t0).toBeLessThan(FAIL_FAST_MS);
  });

  test('readOnly "fallback": EACCES on the read-write socket → the -ro socket, and reads work', async () => {
    const dialer = systemDialer("fallback");
    // the daemon behind the -ro name here is the session daemon, so the name it opens is qemu:///session
    const c = await asUser(dirs.system, () => LibvirtClient.connect({ uri: "qemu:///session", dialer }));
    try {
      expect(dialer.usedReadOnly).toBe(true);
      expect(dialer.lastPath).toBe(join(dirs.system, "libvirt", "libvirt-sock-ro"));
      expect(await c.connectListAllDomains(0)).toEqual([]);
    } finally {
      await c.close();
    }
  });
});

// The shared guest scenario through a local URI that names its socket mode explicitly (the
// provider's URI check accepts `mode`, and the dialer resolves it to the system libvirt-sock).
describeTransportScenario("unix", () => "qemu+unix:///system?mode=legacy", { run: "qvt-local" });
