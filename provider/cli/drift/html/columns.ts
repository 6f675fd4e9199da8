/**
 * The page's table, one column per entry of {@link COLUMNS}: header, how it sorts, and the
 * cell of a row (its markup and the value it sorts by). Every number comes from the report
 * row (see ./bar); every string goes through the escaping `html` template.
 */
import type { DriftRow } from "../judge";
import { VERDICTS, type Verdict } from "../verdicts";
import { barGeometry, vcpuFacts } from "./bar";
import { html, type Markup } from "./markup";
import { nodesOf } from "./nodes";

/** A cell: what it shows and what it sorts by (empty = not known, sorted last). */
export interface Cell {
  readonly body: Markup;
  readonly sort: string | number;
}

/** One column of the table. */
export interface Column {
  /** `data-col` of its cells (the browser test reads cells by it). */
  readonly id: string;
  readonly header: string;
  /** Tooltip of the header: what the column shows. */
  readonly title: string;
  readonly sort: "text" | "num";
  readonly cell: (row: DriftRow) => Cell;
}

/** Verdicts from best to worst, for sorting (worst last ascending). */
const SEVERITY = Object.keys(VERDICTS) as Verdict[];

const UNKNOWN = html`<span class="unknown" title="not known">–</span>`;
const num = (n: number | undefined): Cell => (n === undefined ? { body: UNKNOWN, sort: "" } : { body: html`${n}`, sort: n });
const pair = (c: { vcpus: number; maxVcpus: number } | undefined): Cell =>
  c ? { body: html`${c.vcpus}<span class="of">/${c.maxVcpus}</span>`, sort: c.vcpus } : { body: UNKNOWN, sort: "" };

function nameCell(r: DriftRow): Cell {
  const domain = r.domain !== undefined && r.domain !== r.name ? html`<span class="domain">${r.domain}</span>` : "";
  return { body: html`<span class="name">${r.name}</span>${domain}`, sort: r.name };
}

function verdictCell(r: DriftRow): Cell {
  const kinds = r.kinds.map((k) => html`<span class="kind">${k}</span>`);
  return { body: html`<span class="verdict" title="${VERDICTS[r.verdict].meaning}">${r.verdict}</span>${kinds}`, sort: SEVERITY.indexOf(r.verdict) };
}

function pluggedCell(r: DriftRow): Cell {
  const lv = r.live?.libvirtVcpus;
  const other = lv !== undefined && lv !== r.live?.vcpus ? html`<span class="libvirt" title="libvirt's count">libvirt ${lv}</span>` : "";
  const cell = num(r.live?.vcpus);
  return { ...cell, body: html`${cell.body}${other}` };
}

function maxCell(r: DriftRow): Cell {
  const f = vcpuFacts(r);
  const cell = num(f.max);
  return f.maxFrom && f.maxFrom !== "QEMU" ? { ...cell, body: html`${cell.body}<span class="from">${f.maxFrom}</span>` } : cell;
}

/** The bar: the VM's maximum as the track, plugged filled, online inside it, a tick at declared. */
function barCell(r: DriftRow): Cell {
  const g = barGeometry(r);
  const f = vcpuFacts(r);
  const label = `declared ${f.declared ?? "?"}, plugged ${f.plugged ?? "?"}, online ${f.online ?? "?"}, max ${f.max ?? "?"}`;
  const part = (cls: string, width: number | undefined) => (width === undefined ? "" : html`<span class="${cls}" style="width:${width}%"></span>`);
  const tick = g.declared === undefined ? "" : html`<span class="declared" style="left:${g.declared}%"></span>`;
  const units = g.scale <= 64 ? html` style="--units:${g.scale}"` : "";
  return {
    body: html`<div class="bar" role="img" aria-label="${label}" title="${label}"${units}>${part("max", g.max)}${part("plugged", g.plugged)}${part("online", g.online)}${tick}</div>`,
    sort: f.plugged !== undefined && f.max ? f.plugged / f.max : "",
  };
}

function numaCell(r: DriftRow): Cell {
  const nodes = nodesOf(r);
  if (!nodes.length) return { body: html``, sort: "" };
  const chips = nodes.map((n) => {
    const facts = n.counts.map(([k, v]) => `${k} ${v}`).join(", ");
    return html`<span class="node" title="${`NUMA node ${n.node}: ${facts}`}">node ${n.node}${facts ? html`: ${facts}` : ""}</span>`;
  });
  return { body: html`${chips}`, sort: nodes.length };
}

/** The row's warnings: libvirt's view stale, a restart pending, no guest agent, not running. */
export function warningsOf(r: DriftRow): string[] {
  const fields = r.restartPendingFields?.length ? `: ${r.restartPendingFields.join(", ")}` : "";
  return [
    ...(r.libvirtStale ? ["libvirt stale"] : []),
    ...(r.restartPending ? [`restart pending${fields}`] : []),
    ...(r.agent === "unavailable" ? ["guest agent unavailable"] : []),
    ...(r.state !== undefined && r.state !== "running" ? [`state ${r.state}`] : []),
  ];
}

function warningsCell(r: DriftRow): Cell {
  const w = warningsOf(r);
  return { body: html`${w.map((t) => html`<span class="warn">${t}</span>`)}`, sort: w.length };
}

function detailsCell(r: DriftRow): Cell {
  return { body: r.details.length ? html`<ul>${r.details.map((d) => html`<li>${d}</li>`)}</ul>` : html``, sort: r.details.length };
}

/** The table's columns, in order. */
export const COLUMNS: readonly Column[] = [
  { id: "vm", header: "VM", title: "VmCpu name (and libvirt domain when it differs)", sort: "text", cell: nameCell },
  { id: "verdict", header: "Verdict", title: "verdict and kinds of drift; sorts by severity", sort: "num", cell: verdictCell },
  { id: "declared", header: "Declared", title: "vcpus/maxVcpus declared", sort: "num", cell: (r) => pair(r.declared) },
  { id: "config", header: "Definition", title: "vcpus/maxVcpus of libvirt's persistent definition", sort: "num", cell: (r) => pair(r.config) },
  { id: "plugged", header: "Plugged", title: "vCPUs plugged per QEMU (libvirt's count when it differs)", sort: "num", cell: pluggedCell },
  { id: "online", header: "Online", title: "vCPUs online in the guest (qemu-guest-agent)", sort: "num", cell: (r) => num(r.guestOnline) },
  { id: "max", header: "Max", title: "maximum vCPUs of the running VM (else of its definition, else declared)", sort: "num", cell: maxCell },
  { id: "bar", header: "vCPUs", title: "bar: maximum (track), plugged (blue), online (green), declared (black tick); sorts by plugged/max", sort: "num", cell: barCell },
  { id: "numa", header: "NUMA", title: "per NUMA node, when the report has it", sort: "num", cell: numaCell },
  { id: "warnings", header: "Warnings", title: "libvirt stale, restart pending, guest agent unavailable, not running", sort: "num", cell: warningsCell },
  { id: "details", header: "Details", title: "one line per finding", sort: "num", cell: detailsCell },
];
