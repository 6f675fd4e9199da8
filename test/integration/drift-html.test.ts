/**
 * The `drift --html` page in a real headless browser (Debian's `chromium`, driven over the
 * DevTools protocol; see test/support/chromium.ts): it loads without console errors and
 * fetches nothing, the numbers it shows are the JSON report's, a click on a column header
 * sorts, VM names with markup in them stay text. Two pages: a generated report of 500 VMs
 * (load time) and a real `drift --json --html` run of the built CLI against a real guest on two
 * NUMA nodes (drift made out of band with `virsh`) plus a domain that does not exist and a host that does
 * not exist. Screenshots go to test-artifacts/ (git-ignored).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DriftRow } from "../../provider/cli/drift/judge";
import type { JsonReport } from "../../provider/cli/drift/json";
import { renderHtml } from "../../provider/cli/drift/html/page";
import { VERDICT_COLOURS } from "../../provider/cli/drift/html/assets";
import { provider } from "../../provider/dynamic";
import { REPO_ROOT, cleanupLeftovers, pollUntil, startTestDomain, uniqueName, virsh, type TestDomain } from "../guest/guest";
import { Chromium, type Page } from "../support/chromium";
import { ODD_NAMES, fleetReport } from "../unit/cli/html-fixtures";
import { stackExport, vmCpuResource } from "../unit/cli/fixtures";

const RUN = uniqueName("qvt-html");
const CLI = join(REPO_ROOT, "dist/provider/cli/main.js");
const ARTIFACTS = join(REPO_ROOT, "test-artifacts");
const NOWHERE = "qemu+unix:///system?socket=/nonexistent";
/** The real guest: two NUMA nodes of one socket (2 vCPUs) each. */
const TOPOLOGY = { sockets: 2, cores: 2, threads: 1 };
/** Load budget for 500 VMs (navigation start → load event end); measured well under it here. */
const LOAD_BUDGET_MS = 3_000;
type Props = Record<string, unknown>;

/** What a person reads in a row: each number cell (without its small note), the bar's label, the verdict. */
interface SeenRow {
  vm: string;
  host: string;
  verdict: string;
  declared: string;
  config: string;
  plugged: string;
  online: string;
  max: string;
  bar: string;
}

/** The same, from the JSON report's row ("–" where the report has nothing). */
function expectedRow(r: DriftRow): SeenRow {
  const pair = (c?: { vcpus: number; maxVcpus: number }) => (c ? `${c.vcpus}/${c.maxVcpus}` : "–");
  const max = r.live?.maxVcpus ?? r.config?.maxVcpus ?? r.declared?.maxVcpus;
  const q = (n: number | undefined) => (n === undefined ? "?" : String(n));
  return {
    vm: r.name, host: r.host ?? "(no host: the entry could not be read)", verdict: r.verdict,
    declared: pair(r.declared), config: pair(r.config), plugged: r.live ? String(r.live.vcpus) : "–",
    online: r.guestOnline === undefined ? "–" : String(r.guestOnline), max: max === undefined ? "–" : String(max),
    bar: `declared ${q(r.declared?.vcpus)}, plugged ${q(r.live?.vcpus)}, online ${q(r.guestOnline)}, max ${q(max)}`,
  };
}

/** Reads every row of the page, in document order. */
function seenRows(page: Page): Promise<SeenRow[]> {
  return page.evaluate<SeenRow[]>(`[...document.querySelectorAll("section.host tbody tr")].map((tr) => {
    const cell = (c) => tr.querySelector('td[data-col="' + c + '"]');
    const first = (c) => { const td = cell(c).cloneNode(true); td.querySelectorAll(".libvirt, .from").forEach((e) => e.remove()); return td.textContent.trim(); };
    return {
      vm: cell("vm").querySelector(".name").textContent, host: tr.closest("section").dataset.host,
      verdict: cell("verdict").querySelector(".verdict").textContent,
      declared: first("declared"), config: first("config"), plugged: first("plugged"), online: first("online"), max: first("max"),
      bar: cell("bar").querySelector(".bar").getAttribute("aria-label"),
    };
  })`);
}

/** Hosts in report order, then rows in report order within each (the page's grouping). */
function groupedLikeThePage(report: JsonReport): DriftRow[] {
  const hosts = [...new Set(report.vms.map((r) => r.host))];
  return hosts.flatMap((h) => report.vms.filter((r) => r.host === h));
}

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;

let browser: Chromium;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `${RUN}-`));
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await Chromium.launch();
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a generated report of 500 VMs", () => {
  const report = fleetReport(500);
  let page: Page;
  let loadMs: number;

  beforeAll(async () => {
    const file = join(dir, "fleet.html");
    writeFileSync(file, renderHtml(report));
    page = await browser.newPage();
    loadMs = await page.open(pathToFileURL(file).href);
    writeFileSync(join(ARTIFACTS, "drift-view-500.png"), await page.screenshot());
    process.stdout.write(`[drift-html] 500 VMs: ${(readFileSync(file).length / 1024).toFixed(0)} KiB, load event after ${loadMs.toFixed(0)} ms\n`);
  });

  test("loads within the budget with no console error, exception or log error, and requests nothing", async () => {
    expect(loadMs).toBeLessThan(LOAD_BUDGET_MS);
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([]);
  });

  test("every row shows the JSON report's numbers, grouped by host", async () => {
    expect(await seenRows(page)).toEqual(groupedLikeThePage(report).map(expectedRow));
  });

  test("names with markup in them are text: same characters, no script ran, one script element", async () => {
    const names = await page.evaluate<string[]>(`[...document.querySelectorAll("td[data-col=vm] .name")].map((e) => e.textContent)`);
    for (const odd of ODD_NAMES) expect(names).toContain(odd);
    expect(await page.evaluate(`[window.__pwned === undefined, document.scripts.length, document.querySelectorAll("img, b").length]`)).toEqual([true, 1, 0]);
  });

  test("verdicts have their colours", async () => {
    const colours = await page.evaluate<Record<string, string>>(`Object.fromEntries([...document.querySelectorAll("tbody tr")].map((tr) =>
      [tr.dataset.verdict, getComputedStyle(tr.querySelector(".verdict")).backgroundColor]))`);
    expect(colours).toEqual(Object.fromEntries(Object.entries(VERDICT_COLOURS).map(([v, c]) => [v, rgb(c)])));
  });

  test("a click on a header sorts that host's table (unknown last); a second click reverses it", async () => {
    const column = (col: string) => page.evaluate<string[]>(`[...document.querySelector("section.host table").tBodies[0].rows].map((tr) => tr.querySelector('td[data-col="${col}"]').dataset.v)`);
    const before = await column("online");
    await page.click(`section.host th:nth-child(6) button`);
    const up = await column("online");
    const known = before.filter((v) => v !== "").map(Number).sort((a, b) => a - b).map(String);
    expect(up).toEqual([...known, ...before.filter((v) => v === "")]);
    expect(up).not.toEqual(before);
    await page.click(`section.host th:nth-child(6) button`);
    expect(await column("online")).toEqual([...[...known].reverse(), ...before.filter((v) => v === "")]);
    expect(await page.evaluate(`document.querySelector("section.host th:nth-child(6)").getAttribute("aria-sort")`)).toBe("descending");
    expect(page.errors).toEqual([]);
  });

  test("'only VMs not in sync' hides the in-sync rows", async () => {
    await page.click("#problems");
    const visible = await page.evaluate<number>(`[...document.querySelectorAll("tbody tr")].filter((tr) => tr.offsetParent !== null).length`);
    expect(visible).toBe(report.vms.filter((r) => r.verdict !== "in-sync").length);
    await page.click("#problems");
  });
});

/** Runs the built CLI; resolves with its exit code and output. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("node", [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe("a real drift run: drift --json --html against a real guest", () => {
  let vm: TestDomain;
  let json: { code: number; stdout: string; stderr: string };
  let plain: { code: number; stdout: string; stderr: string };
  let page: Page;
  const htmlFile = () => join(dir, "drift.html");

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    vm = await startTestDomain({ name: `${RUN}-web`, machine: "q35", maxVcpus: 4, vcpus: 2, topology: TOPOLOGY, numaNodes: 2 });
    await vm.waitForAgent(120_000);
    const { inputs } = await provider.check!({}, { __label: "web-cpu", libvirt: { uri: "qemu:///system", domain: vm.name }, maxVcpus: 4, vcpus: 2, topology: TOPOLOGY });
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    const outs = (await provider.create(inputs as Props).finally(() => log.mockRestore())).outs as Props;
    await virsh(["setvcpus", vm.name, "3", "--live"]); // out of band: QEMU now has 3 plugged, 2 declared
    await pollUntil(`libvirt to report 3 vCPUs for ${vm.name}`, async () => (await virsh(["vcpucount", vm.name, "--live", "--active"])).stdout.trim() === "3", { timeoutMs: 30_000 });
    const resources = [
      vmCpuResource("web-cpu", outs),
      vmCpuResource("web-declared3-cpu", { ...outs, declared: { ...(outs["declared"] as Props), vcpus: 3 } }),
      vmCpuResource("gone-cpu", { ...outs, libvirt: { uri: "qemu:///system", domain: `${RUN}-nonexistent` } }),
      vmCpuResource("far-cpu", { ...outs, libvirt: { uri: NOWHERE, domain: "far" } }),
    ];
    const stack = join(dir, "stack.json");
    writeFileSync(stack, JSON.stringify(stackExport(resources), null, 2));
    json = await cli(["drift", stack, "--json", "--quiet", "--html", htmlFile()]);
    plain = await cli(["drift", stack, "--json", "--quiet"]);
    page = await browser.newPage(1400, 680);
    await page.open(pathToFileURL(htmlFile()).href);
    writeFileSync(join(ARTIFACTS, "drift-view.png"), await page.screenshot());
  }, 300_000);

  afterAll(async () => {
    await vm?.destroy();
    expect(await cleanupLeftovers(RUN)).toEqual({ domains: [], rawQemus: [] });
  });

  test("--html changes neither stdout nor the exit code (1: one host unreachable)", () => {
    expect(json.code).toBe(1);
    expect(plain.code).toBe(json.code);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(plain.stdout));
    expect(json.stderr).toBe(plain.stderr);
  });

  test("the page loads with no console error and requests nothing", () => {
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([]);
  });

  test("the page shows the JSON report's numbers for every VM", async () => {
    const report = JSON.parse(json.stdout) as JsonReport;
    const byName = Object.fromEntries(report.vms.map((r) => [r.name, r]));
    expect(byName["web-cpu"]).toMatchObject({ verdict: "drift", declared: { vcpus: 2 }, live: { vcpus: 3, maxVcpus: 4 } });
    expect(byName["web-cpu"]!.numaNodes).toEqual([expect.objectContaining({ node: 0, possible: 2, plugged: 2 }), expect.objectContaining({ node: 1, possible: 2, plugged: 1 })]);
    expect(byName["gone-cpu"]).toMatchObject({ verdict: "gone" });
    expect(byName["far-cpu"]).toMatchObject({ verdict: "unreachable" });
    expect(await seenRows(page)).toEqual(groupedLikeThePage(report).map(expectedRow));
  });

  test("warnings, details and the unreachable host's reason are on the page", async () => {
    const text = await page.evaluate<string>("document.body.innerText");
    expect(text).toContain(`unreachable: can't connect to libvirt at ${NOWHERE}`);
    expect(text).toContain("QEMU has 3 vCPUs plugged, 2 declared");
    const numa = await page.evaluate<string>(`document.querySelector('tr[data-vm="web-cpu"] td[data-col="numa"]').textContent`);
    expect(numa).toMatch(/^node 0: possible 2, plugged 2(, online \d)?node 1: possible 2, plugged 1(, online \d)?$/);
    expect(text).toMatch(/exit 1: incomplete: 1 VM could not be checked/);
  });
});
