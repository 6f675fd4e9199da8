/** The `--html` view's renderer: escaping, the numbers of a row, its bar, NUMA nodes, warnings, the page. */
import type { DriftRow } from "../../../provider/cli/drift/judge";
import { buildReport, renderJson } from "../../../provider/cli/drift/json";
import { summarize } from "../../../provider/cli/drift/summary";
import { VERDICTS } from "../../../provider/cli/drift/verdicts";
import { CSS, SCRIPT, VERDICT_COLOURS } from "../../../provider/cli/drift/html/assets";
import { barGeometry, vcpuFacts, type BarGeometry, type VcpuFacts } from "../../../provider/cli/drift/html/bar";
import { COLUMNS, warningsOf } from "../../../provider/cli/drift/html/columns";
import { escapeHtml, html, trusted } from "../../../provider/cli/drift/html/markup";
import { nodesOf, type NodeInfo } from "../../../provider/cli/drift/html/nodes";
import { NO_HOST, groupByHost, renderHtml } from "../../../provider/cli/drift/html/page";
import { ODD_NAMES, fleetReport } from "./html-fixtures";

const row = (over: Partial<DriftRow> & Record<string, unknown> = {}): DriftRow => ({
  name: "web01-cpu", host: "qemu:///system", domain: "web01", verdict: "in-sync", kinds: [],
  declared: { vcpus: 2, maxVcpus: 4 }, config: { vcpus: 2, maxVcpus: 4 }, live: { vcpus: 2, maxVcpus: 4, libvirtVcpus: 2 },
  guestOnline: 2, agent: "connected", state: "running", restartPending: false, restartPendingFields: [], libvirtStale: false, details: [], ...over,
});
const reportOf = (rows: DriftRow[], unreachable: { host: string; reason: string }[] = []) =>
  buildReport(rows, summarize(rows, unreachable.map((u) => ({ host: u.host, vms: 1, ms: 1, unreachable: u.reason }))));
/** The text of a piece of markup: each tag becomes a space, entities are decoded, spaces collapse. */
const textOf = (markup: string) =>
  markup.replace(/<[^>]*>/g, " ").replace(/&(lt|gt|quot|#39|amp);/g, (_m, e: string) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" })[e]!).replace(/\s+/g, " ").trim();
const cell = (id: string, r: DriftRow) => COLUMNS.find((c) => c.id === id)!.cell(r);

describe("markup", () => {
  const escapes: Record<string, [string, string]> = {
    "plain text is unchanged": ["web01", "web01"],
    "the five characters HTML cares about": [`<a href="x">&'`, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"],
    "an entity is escaped, not decoded": ["&amp;", "&amp;amp;"],
    "unicode and control characters pass": ["é漢字🚀\t\n", "é漢字🚀\t\n"],
  };
  test.each(Object.entries(escapes))("escapeHtml: %s", (_name, [input, out]) => expect(escapeHtml(input)).toBe(out));

  const templates: Record<string, [() => { text: string }, string]> = {
    "a string is escaped": [() => html`<b>${"<i>"}</b>`, "<b>&lt;i&gt;</b>"],
    "markup is kept as is (not escaped twice)": [() => html`<p>${html`<i>${"&"}</i>`}</p>`, "<p><i>&amp;</i></p>"],
    "a list is joined, each item escaped": [() => html`${["<", html`<br>`, 3]}`, "&lt;<br>3"],
    "undefined, null and false leave nothing; 0 stays": [() => html`${undefined}${null}${false}${0}`, "0"],
    "trusted text is kept": [() => html`<style>${trusted("a>b{}")}</style>`, "<style>a>b{}</style>"],
  };
  test.each(Object.entries(templates))("html``: %s", (_name, [make, out]) => expect(make().text).toBe(out));
});

describe("the numbers of a row and its bar", () => {
  const cases: Record<string, { row: DriftRow; facts: VcpuFacts; bar: BarGeometry }> = {
    "in sync 2 of 4": { row: row(), facts: { declared: 2, plugged: 2, online: 2, max: 4, maxFrom: "QEMU" }, bar: { scale: 4, max: 100, plugged: 50, online: 50, declared: 50 } },
    "3 plugged, 2 online, 2 declared": {
      row: row({ live: { vcpus: 3, maxVcpus: 4 }, guestOnline: 2 }), facts: { declared: 2, plugged: 3, online: 2, max: 4, maxFrom: "QEMU" }, bar: { scale: 4, max: 100, plugged: 75, online: 50, declared: 50 },
    },
    "no agent: online not known": { row: row({ guestOnline: undefined }), facts: { declared: 2, plugged: 2, max: 4, maxFrom: "QEMU" }, bar: { scale: 4, max: 100, plugged: 50, declared: 50 } },
    "stopped: the maximum is the definition's": {
      row: row({ verdict: "stopped", live: undefined, guestOnline: undefined, config: { vcpus: 2, maxVcpus: 8 } }), facts: { declared: 2, max: 8, maxFrom: "definition" }, bar: { scale: 8, max: 100, declared: 25 },
    },
    "unreachable: only what is declared": {
      row: row({ verdict: "unreachable", live: undefined, config: undefined, guestOnline: undefined }), facts: { declared: 2, max: 4, maxFrom: "declared" }, bar: { scale: 4, max: 100, declared: 50 },
    },
    "declared above the running maximum: the scale grows to it": {
      row: row({ declared: { vcpus: 6, maxVcpus: 8 }, live: { vcpus: 3, maxVcpus: 4 }, guestOnline: 3 }), facts: { declared: 6, plugged: 3, online: 3, max: 4, maxFrom: "QEMU" }, bar: { scale: 8, max: 50, plugged: 37.5, online: 37.5, declared: 75 },
    },
    "an unreadable entry: nothing, scale 1": {
      row: { name: "x", verdict: "error", kinds: [], details: ["bad"] }, facts: {}, bar: { scale: 1 },
    },
    "thirds round to 0.1 %": { row: row({ declared: { vcpus: 1, maxVcpus: 3 }, live: { vcpus: 1, maxVcpus: 3 }, guestOnline: 1, config: undefined }), facts: { declared: 1, plugged: 1, online: 1, max: 3, maxFrom: "QEMU" }, bar: { scale: 3, max: 100, plugged: 33.3, online: 33.3, declared: 33.3 } },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(vcpuFacts(c.row)).toEqual(c.facts);
    expect(barGeometry(c.row)).toEqual(c.bar);
  });

  const cells: Record<string, { row: DriftRow; text: Record<string, string> }> = {
    "in sync": { row: row(), text: { vm: "web01-cpu web01", verdict: "in-sync", declared: "2 /4", config: "2 /4", plugged: "2", online: "2", max: "4", warnings: "" } },
    "drift with kinds; libvirt's count shown when it differs": {
      row: row({ verdict: "libvirt-stale", kinds: [], live: { vcpus: 1, maxVcpus: 4, libvirtVcpus: 2 }, libvirtStale: true }),
      text: { verdict: "libvirt-stale", plugged: "1 libvirt 2", warnings: "libvirt stale" },
    },
    "kinds listed under the verdict": { row: row({ verdict: "drift", kinds: ["live-vcpus", "guest-offline"] }), text: { verdict: "drift live-vcpus guest-offline" } },
    "not known is a dash, the maximum says where it comes from": {
      row: row({ verdict: "stopped", state: "shutoff", live: undefined, guestOnline: undefined }), text: { plugged: "–", online: "–", max: "4 definition", warnings: "state shutoff" },
    },
    "the domain is left out when it is the name": { row: row({ domain: "web01-cpu" }), text: { vm: "web01-cpu" } },
    "restart pending with its fields; agent unavailable": {
      row: row({ restartPending: true, restartPendingFields: ["maxVcpus", "topology"], agent: "unavailable" }), text: { warnings: "restart pending: maxVcpus, topology guest agent unavailable" },
    },
    "details one per line, escaped": { row: row({ details: ["a <b>", "c & d"] }), text: { details: "a <b> c & d" } },
  };
  test.each(Object.entries(cells))("cells: %s", (_name, c) => {
    for (const [id, text] of Object.entries(c.text)) expect([id, textOf(cell(id, c.row).body.text)]).toEqual([id, text]);
  });

  test("sort values: numbers, severity for the verdict, empty when not known", () => {
    const r = row({ verdict: "gone", live: undefined, guestOnline: undefined });
    expect(Object.fromEntries(COLUMNS.map((c) => [c.id, c.cell(r).sort]))).toEqual({
      vm: "web01-cpu", verdict: Object.keys(VERDICTS).indexOf("gone"), declared: 2, config: 2, plugged: "", online: "", max: 4, bar: "", numa: "", warnings: 0, details: 0,
    });
  });

  test("the bar's label and marks", () => {
    expect(cell("bar", row({ live: { vcpus: 3, maxVcpus: 4 } })).body.text).toBe(
      '<div class="bar" role="img" aria-label="declared 2, plugged 3, online 2, max 4" title="declared 2, plugged 3, online 2, max 4" style="--units:4">' +
        '<span class="max" style="width:100%"></span><span class="plugged" style="width:75%"></span><span class="online" style="width:50%"></span><span class="declared" style="left:50%"></span></div>',
    );
  });
});

describe("warnings", () => {
  const cases: Record<string, [Partial<DriftRow>, string[]]> = {
    "none when in sync": [{}, []],
    "libvirt stale": [{ libvirtStale: true }, ["libvirt stale"]],
    "restart pending without fields": [{ restartPending: true }, ["restart pending"]],
    "agent off or not configured is no warning": [{ agent: "off" }, []],
    "all at once, in order": [{ libvirtStale: true, restartPending: true, restartPendingFields: ["machine"], agent: "unavailable", state: "paused" }, ["libvirt stale", "restart pending: machine", "guest agent unavailable", "state paused"]],
  };
  test.each(Object.entries(cases))("%s", (_name, [over, out]) => expect(warningsOf(row(over))).toEqual(out));
});

describe("NUMA nodes, whatever shape the report has", () => {
  const cases: Record<string, [unknown, NodeInfo[]]> = {
    "no per-node data: nothing": [row(), []],
    "a list under numa": [{ numa: [{ node: 0, possible: 2, plugged: 2, online: 1 }, { node: 1, possible: 2, plugged: 1, online: 1 }] }, [
      { node: "0", counts: [["possible", 2], ["plugged", 2], ["online", 1]] },
      { node: "1", counts: [["possible", 2], ["plugged", 1], ["online", 1]] },
    ]],
    "a map under live.nodes, vCPU id lists counted": [{ live: { nodes: { "0": { vcpus: [0, 1] }, "1": { vcpus: [2] } } } }, [{ node: "0", counts: [["vcpus", 2]] }, { node: "1", counts: [["vcpus", 1]] }]],
    "ids under id, non-numbers left out": [{ numaNodes: [{ id: 3, plugged: 1, name: "x" }] }, [{ node: "3", counts: [["plugged", 1]] }]],
    "a list whose items have no id: nothing": [{ numa: [{ plugged: 1 }] }, []],
    "not a list or map: nothing": [{ numa: "0-1" }, []],
  };
  test.each(Object.entries(cases))("%s", (_name, [r, out]) => expect(nodesOf(r)).toEqual(out));

  test("the row's numaNodes (what judge copies from the outputs) are read", () => {
    expect(nodesOf(row({ numaNodes: [{ node: 0, possible: 2, plugged: 1 }] }))).toEqual([{ node: "0", counts: [["possible", 2], ["plugged", 1]] }]);
  });

  test("the NUMA cell shows each node", () => {
    const r = row({ numa: [{ node: 0, plugged: 2, online: 1 }] });
    expect(textOf(cell("numa", r).body.text)).toBe("node 0: plugged 2, online 1");
  });
});

describe("the page", () => {
  test("VM names with markup in them are text: escaped everywhere, one script element (ours)", () => {
    const rows = ODD_NAMES.map((name, i) => row({ name, domain: `${name}-dom`, host: `qemu+ssh://h${i}/system?x=<y>&z="w"`, details: [name] }));
    const page = renderHtml(reportOf(rows));
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page.match(/<style/g)).toHaveLength(1);
    expect(page).not.toMatch(/<img|<b>|<!-- not|onerror="/);
    for (const name of ODD_NAMES) {
      expect(page).toContain(`<span class="name">${escapeHtml(name)}</span>`);
      expect(page).toContain(`data-vm="${escapeHtml(name)}"`);
    }
    expect(page).toContain(`<section class="host" data-host="qemu+ssh://h0/system?x=&lt;y&gt;&amp;z=&quot;w&quot;">`);
  });

  test("one section per host in report order; rows without a host are grouped last under their own heading", () => {
    const rows = [row({ name: "a", host: "h2" }), row({ name: "b", host: "h1" }), row({ name: "c", host: undefined, verdict: "error" }), row({ name: "d", host: "h2" })];
    expect(groupByHost(rows).map(([h, rs]) => [h, rs.map((r) => r.name)])).toEqual([["h2", ["a", "d"]], ["h1", ["b"]], [NO_HOST, ["c"]]]);
    const page = renderHtml(reportOf(rows));
    expect([...page.matchAll(/<section class="host" data-host="([^"]*)">/g)].map((m) => m[1])).toEqual(["h2", "h1", escapeHtml(NO_HOST)]);
  });

  test("the header: counts, the exit line, the verdict chips; an unreachable host says why", () => {
    const rows = [row(), row({ name: "far", host: "qemu+tcp://far/system", verdict: "unreachable", live: undefined, config: undefined })];
    const page = renderHtml(reportOf(rows, [{ host: "qemu+tcp://far/system", reason: "can't connect <refused>" }]));
    expect(textOf(page.slice(page.indexOf("<header>"), page.indexOf("</header>")))).toMatch(/^vCPU drift 2 VMs on 2 hosts · exit 1: incomplete: 1 VM could not be checked 1 in-sync 1 unreachable Bar:/);
    expect(page).toContain(`<p class="unreachable">unreachable: can&#39;t connect &lt;refused&gt;</p>`);
    expect(page).toContain("<title>vCPU drift: 2 VMs, exit 1: incomplete: 1 VM could not be checked</title>");
    expect(page).not.toContain("generated");
    expect(renderHtml(reportOf(rows), { generatedAt: new Date("2026-12-05T10:00:00Z") })).toContain(" · generated 2026-12-05T10:00:00.000Z");
  });

  test("self-contained: a policy that forbids loading anything, and no reference to anything outside", () => {
    const page = renderHtml(reportOf(fleetReport(50).vms.slice(ODD_NAMES.length)));
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; script-src &#39;unsafe-inline&#39;; img-src data:">`);
    expect(page).not.toMatch(/\b(src|href)=|url\(|@import|https?:\/\//);
  });

  test("every verdict has a colour, and the stylesheet sets it", () => {
    expect(Object.keys(VERDICT_COLOURS)).toEqual(Object.keys(VERDICTS));
    for (const [v, c] of Object.entries(VERDICT_COLOURS)) expect(CSS).toContain(`.v-${v}{--v:${c}}`);
  });

  test("the script compiles", () => {
    expect(() => new Function(SCRIPT)).not.toThrow();
  });

  test("500 VMs: every row drawn, in well under a second, from the same report --json prints", () => {
    const report = fleetReport(500);
    const t0 = performance.now();
    const page = renderHtml(report);
    const ms = performance.now() - t0;
    expect(page.match(/<tr class="v-/g)).toHaveLength(500);
    expect(ms).toBeLessThan(1_000);
    expect(JSON.parse(renderJson(report.vms, report.summary))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});
