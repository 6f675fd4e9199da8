/**
 * The `--html` view: one self-contained page (inline CSS and script, no external assets, a
 * Content-Security-Policy that forbids loading anything) drawn from the same report object as
 * `--json`. A section per host, a sortable table per section, a row per VM. Pure: report in,
 * text out.
 */
import type { DriftRow } from "../judge";
import type { JsonReport } from "../json";
import { exitLine } from "../summary";
import { VERDICTS, type Verdict } from "../verdicts";
import { CSS, SCRIPT } from "./assets";
import { COLUMNS } from "./columns";
import { html, trusted, type Markup } from "./markup";

/** Options of {@link renderHtml}. */
export interface HtmlOptions {
  /** Shown in the header when given (left out in tests, so the page is a function of the report). */
  readonly generatedAt?: Date;
}

/** The group of rows without a host (entries too broken to name one). */
export const NO_HOST = "(no host: the entry could not be read)";

/** The page forbids every fetch: only its own inline style and script run. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/** Rows grouped by host, hosts in the order they first appear in the report. */
export function groupByHost(rows: readonly DriftRow[]): [host: string, rows: DriftRow[]][] {
  const groups = new Map<string, DriftRow[]>();
  for (const r of rows) {
    const host = r.host ?? NO_HOST;
    const group = groups.get(host);
    if (group) group.push(r);
    else groups.set(host, [r]);
  }
  return [...groups];
}

function verdictChips(rows: readonly DriftRow[]): Markup {
  const chips = (Object.keys(VERDICTS) as Verdict[]).flatMap((v) => {
    const n = rows.filter((r) => r.verdict === v).length;
    return n ? [html`<span class="chip v-${v}" title="${VERDICTS[v].meaning}">${n} ${v}</span>`] : [];
  });
  return html`<div class="chips">${chips}</div>`;
}

function vmRow(r: DriftRow): Markup {
  const text = [r.name, r.domain ?? "", r.host ?? ""].join(" ").toLowerCase();
  const cells = COLUMNS.map((c) => {
    const cell = c.cell(r);
    return html`<td data-col="${c.id}" data-v="${cell.sort}">${cell.body}</td>`;
  });
  return html`<tr class="v-${r.verdict}" data-verdict="${r.verdict}" data-vm="${r.name}" data-text="${text}">${cells}</tr>`;
}

const headerRow = html`<tr>${COLUMNS.map((c) => html`<th scope="col" data-type="${c.sort}" title="${c.title}"><button type="button">${c.header}</button></th>`)}</tr>`;

function hostSection(host: string, rows: readonly DriftRow[], report: JsonReport): Markup {
  const down = report.summary.unreachableHosts.find((h) => h.host === host);
  return html`<section class="host" data-host="${host}">
<h2>${host}<span class="count">${rows.length} VM${rows.length === 1 ? "" : "s"}</span></h2>
${verdictChips(rows)}${down ? html`<p class="unreachable">unreachable: ${down.reason}</p>` : ""}
<table class="vms"><thead>${headerRow}</thead>
<tbody>
${rows.map((r) => html`${vmRow(r)}\n`)}</tbody></table>
</section>
`;
}

function pageHeader(report: JsonReport, options: HtmlOptions): Markup {
  const s = report.summary;
  const when = options.generatedAt ? html` · generated ${options.generatedAt.toISOString()}` : "";
  return html`<header>
<h1>vCPU drift</h1>
<p class="summary">${s.vms} VM${s.vms === 1 ? "" : "s"} on ${s.hosts} host${s.hosts === 1 ? "" : "s"} · <span class="exit">${exitLine(s)}</span>${when}</p>
${verdictChips(report.vms)}
<p class="legend">Bar: track = maximum vCPUs, blue = plugged in QEMU, green = online in the guest, black tick = declared. Click a column header to sort.</p>
<div class="controls"><label>Filter <input id="filter" type="search" placeholder="VM, domain or host" autocomplete="off"></label>
<label><input id="problems" type="checkbox"> only VMs not in sync</label></div>
</header>`;
}

/** The whole page, as one HTML document. */
export function renderHtml(report: JsonReport, options: HtmlOptions = {}): string {
  const s = report.summary;
  const title = `vCPU drift: ${s.vms} VM${s.vms === 1 ? "" : "s"}, ${exitLine(s)}`;
  const sections = groupByHost(report.vms).map(([host, rows]) => hostSection(host, rows, report));
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${trusted(CSS)}</style>
</head>
<body>
${pageHeader(report, options)}
<main>
${sections}</main>
<script>${trusted(SCRIPT)}</script>
</body>
</html>
`.text;
}
