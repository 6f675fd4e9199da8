/**
 * A real headless browser for tests: Debian's `chromium` (installed by .ci/host-setup.sh),
 * driven over the Chrome DevTools Protocol with `ws`. The browser listens on a port it picks
 * (`--remote-debugging-port=0`) and names it in `<user-data-dir>/DevToolsActivePort`; one
 * WebSocket to the browser carries every page's commands (flattened sessions).
 *
 * A {@link Page} records what a person would call an error: console errors, uncaught
 * exceptions and the browser's own log errors (a Content-Security-Policy refusal lands there),
 * and every request that is not the page itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket = require("ws");

type Json = Record<string, unknown>;
type Listener = (params: Json, sessionId: string | undefined) => void;

/** Time allowed for chromium to start and name its port. */
const START_MS = 30_000;
/** Time allowed for one protocol command. */
const COMMAND_MS = 30_000;

/** A CDP connection: numbered commands, events by name. */
class Cdp {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (r: Json) => void; reject: (e: Error) => void; method: string }>();
  private readonly listeners = new Map<string, Listener[]>();

  constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => this.receive(JSON.parse(String(data)) as Json));
    ws.on("close", () => {
      for (const p of this.pending.values()) p.reject(new Error(`CDP connection closed during ${p.method}`));
      this.pending.clear();
    });
  }

  private receive(msg: Json): void {
    const id = msg["id"];
    if (typeof id === "number") {
      const p = this.pending.get(id);
      this.pending.delete(id);
      const error = msg["error"] as { message?: string } | undefined;
      if (error) p?.reject(new Error(`${p.method}: ${error.message ?? JSON.stringify(error)}`));
      else p?.resolve((msg["result"] ?? {}) as Json);
      return;
    }
    for (const l of this.listeners.get(String(msg["method"])) ?? []) l((msg["params"] ?? {}) as Json, msg["sessionId"] as string | undefined);
  }

  /** Sends a command (to a page when `sessionId` is given); resolves with its result. */
  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${COMMAND_MS} ms`));
      }, COMMAND_MS);
      const done = <T>(f: (v: T) => void) => (v: T) => (clearTimeout(timer), f(v));
      this.pending.set(id, { resolve: done(resolve), reject: done(reject), method });
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  on(method: string, listener: Listener): void {
    this.listeners.set(method, [...(this.listeners.get(method) ?? []), listener]);
  }

  close(): void {
    this.ws.close();
  }
}

/** One tab. */
export class Page {
  /** Console errors, uncaught exceptions and browser log errors, as text. */
  readonly errors: string[] = [];
  /** URLs requested other than the page's own document. */
  readonly requests: string[] = [];

  constructor(
    private readonly cdp: Cdp,
    private readonly sessionId: string,
  ) {
    const mine = (f: (p: Json) => void): Listener => (p, s) => s === sessionId && f(p);
    cdp.on("Runtime.consoleAPICalled", mine((p) => {
      if (p["type"] === "error" || p["type"] === "assert") this.errors.push(`console.${String(p["type"])}: ${JSON.stringify((p["args"] as Json[]).map((a) => a["value"] ?? a["description"]))}`);
    }));
    cdp.on("Runtime.exceptionThrown", mine((p) => {
      const d = p["exceptionDetails"] as { text?: string; exception?: { description?: string } };
      this.errors.push(`exception: ${d.exception?.description ?? d.text}`);
    }));
    cdp.on("Log.entryAdded", mine((p) => {
      const e = p["entry"] as { level: string; text: string; url?: string };
      if (e.level === "error") this.errors.push(`log: ${e.text}${e.url ? ` (${e.url})` : ""}`);
    }));
    cdp.on("Network.requestWillBeSent", mine((p) => {
      const r = p["request"] as { url: string };
      if (p["type"] !== "Document") this.requests.push(r.url);
    }));
  }

  /** Sends a command to this page. */
  send(method: string, params: Json = {}): Promise<Json> {
    return this.cdp.send(method, params, this.sessionId);
  }

  /** Opens `url` and waits for its load event; resolves with the page's own load time (ms, navigation timing). */
  async open(url: string): Promise<number> {
    const loaded = new Promise<void>((resolve) => this.cdp.on("Page.loadEventFired", (_p, s) => s === this.sessionId && resolve()));
    const nav = await this.send("Page.navigate", { url });
    if (nav["errorText"]) throw new Error(`navigating to ${url}: ${String(nav["errorText"])}`);
    await loaded;
    return this.evaluate<number>(`performance.getEntriesByType("navigation")[0].loadEventEnd`);
  }

  /** Evaluates an expression in the page; resolves with its value (JSON-serializable). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    const ex = r["exceptionDetails"] as { text?: string; exception?: { description?: string } } | undefined;
    if (ex) throw new Error(`evaluating ${expression}: ${ex.exception?.description ?? ex.text}`);
    return (r["result"] as { value: T }).value;
  }

  /** Clicks the middle of the first element matching `selector` with real mouse events. */
  async click(selector: string): Promise<void> {
    const box = await this.evaluate<{ x: number; y: number } | null>(`(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      if (!el) return null;
      el.scrollIntoView({ block: "center" });
      const r = el.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    })()`);
    if (!box) throw new Error(`no element matches ${selector}`);
    for (const type of ["mouseMoved", "mousePressed", "mouseReleased"]) {
      await this.send("Input.dispatchMouseEvent", { type, x: box.x, y: box.y, button: "left", clickCount: type === "mouseMoved" ? 0 : 1 });
    }
  }

  /** A PNG of the viewport (or of the whole page), as bytes. */
  async screenshot(fullPage = false): Promise<Buffer> {
    const r = await this.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: fullPage });
    return Buffer.from(String(r["data"]), "base64");
  }
}

/** A running headless chromium; {@link close} it. */
export class Chromium {
  private constructor(
    private readonly child: ChildProcess,
    private readonly cdp: Cdp,
    private readonly profile: string,
  ) {}

  /** Starts `chromium --headless=new` with a fresh profile and connects to it. */
  static async launch(binary = "chromium"): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), "qvt-chromium-"));
    const args = ["--headless=new", "--no-sandbox", "--remote-debugging-port=0", `--user-data-dir=${profile}`, "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "about:blank"];
    const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d) => (stderr = (stderr + String(d)).slice(-4000)));
    child.once("error", (err) => (stderr += `\n${binary}: ${err.message} (installed by .ci/host-setup.sh, phase browser)`));
    try {
      const endpoint = await devToolsEndpoint(profile, child, () => stderr);
      const ws = new WebSocket(endpoint, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
      await new Promise<void>((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
      return new Chromium(child, new Cdp(ws), profile);
    } catch (err) {
      child.kill("SIGKILL");
      rmSync(profile, { recursive: true, force: true });
      throw err;
    }
  }

  /** A new tab of `width`×`height` CSS pixels with console, log, runtime and network events on. */
  async newPage(width = 1400, height = 900): Promise<Page> {
    const { targetId } = (await this.cdp.send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
    const { sessionId } = (await this.cdp.send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
    const page = new Page(this.cdp, sessionId);
    for (const domain of ["Page", "Runtime", "Log", "Network"]) await page.send(`${domain}.enable`);
    await page.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
    return page;
  }

  /** Closes the browser (Browser.close, then SIGKILL if it has not exited in 10 s) and removes its profile. */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => (this.child.exitCode !== null ? resolve() : this.child.once("exit", () => resolve())));
    await this.cdp.send("Browser.close").catch(() => undefined);
    this.cdp.close();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Polls `<profile>/DevToolsActivePort` (port, then the browser's path) until chromium writes it. */
async function devToolsEndpoint(profile: string, child: ChildProcess, stderr: () => string): Promise<string> {
  const file = join(profile, "DevToolsActivePort");
  const deadline = Date.now() + START_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || /ENOENT/.test(stderr())) throw new Error(`chromium exited (${child.exitCode ?? child.signalCode ?? "not started"}) before naming its port:\n${stderr()}`);
    const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
    if (lines[0] && lines[1]) return `ws://127.0.0.1:${lines[0]}${lines[1]}`;
    if (Date.now() > deadline) throw new Error(`chromium did not write ${file} within ${START_MS} ms:\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
