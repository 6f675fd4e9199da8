/**
 * The page's own CSS and script (inline: the page loads nothing else and works offline),
 * and the colour of each verdict (one table; a new verdict without a colour fails to compile).
 */
import type { Verdict } from "../verdicts";

/** Colour of each verdict: green in sync, amber/brown drift, grey/purple not running, red incomplete. */
export const VERDICT_COLOURS = {
  "in-sync": "#1a7f37",
  drift: "#bc4c00",
  "libvirt-stale": "#9a6700",
  stopped: "#57606a",
  gone: "#8250df",
  unreachable: "#cf222e",
  error: "#a40e26",
} as const satisfies Record<Verdict, string>;

const verdictRules = Object.entries(VERDICT_COLOURS).map(([v, c]) => `.v-${v}{--v:${c}}`).join("\n");

/** The stylesheet. */
export const CSS = `
:root{color-scheme:light;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2328;background:#fff}
body{margin:0 16px 24px}
header{position:sticky;top:0;z-index:2;background:#fff;padding:10px 0 8px;border-bottom:1px solid #d0d7de}
h1{font-size:18px;margin:0 0 4px}
h2{font-size:14px;margin:18px 0 6px;word-break:break-all}
h2 .count{font-weight:normal;color:#57606a;margin-left:6px}
.summary,.legend{margin:2px 0;color:#57606a}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}
.chip{border-radius:10px;padding:1px 8px;color:#fff;background:var(--v)}
.exit{font-weight:600}
.controls{display:flex;gap:16px;align-items:center;margin-top:6px}
.controls input[type=search]{width:260px;padding:3px 6px}
.unreachable{color:#cf222e;margin:2px 0 6px}
section.host{content-visibility:auto;contain-intrinsic-size:auto 400px}
table{border-collapse:collapse;width:100%}
th,td{padding:3px 6px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:var(--header,0);z-index:1;white-space:nowrap}
th button{all:unset;cursor:pointer;font-weight:600}
th button:focus-visible{outline:2px solid #0969da}
th[aria-sort=ascending] button::after{content:" ▲"}
th[aria-sort=descending] button::after{content:" ▼"}
td[data-col=declared],td[data-col=config],td[data-col=plugged],td[data-col=online],td[data-col=max]{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr{box-shadow:inset 4px 0 var(--v)}
tbody tr:hover{background:#f6f8fa}
td[data-col=vm]{min-width:14em;max-width:28em;overflow-wrap:anywhere}
.name{font-weight:600}
.domain,.libvirt,.from,.of{display:block;color:#57606a;font-size:11px}
.of{display:inline}
.verdict{display:inline-block;white-space:nowrap;border-radius:3px;padding:0 6px;color:#fff;background:var(--v);font-weight:600}
.kind{display:block;white-space:nowrap;font-size:11px;color:var(--v)}
.unknown{color:#8c959f}
.bar{position:relative;width:160px;height:14px;margin-top:2px;border:1px solid #d0d7de;border-radius:2px}
.bar[style*="--units"]::after{content:"";position:absolute;inset:0;background:repeating-linear-gradient(90deg,transparent 0 calc(100%/var(--units) - 1px),rgba(255,255,255,.9) calc(100%/var(--units) - 1px) calc(100%/var(--units)))}
.bar span{position:absolute;top:0;bottom:0;left:0}
.bar .max{background:#eaeef2}
.bar .plugged{background:#54aeff}
.bar .online{top:4px;bottom:4px;background:#1a7f37}
.bar .declared{z-index:1;top:-3px;bottom:-3px;width:2px;margin-left:-1px;background:#1f2328}
.node{display:inline-block;border:1px solid #d0d7de;border-radius:3px;padding:0 4px;margin:0 4px 2px 0;font-size:11px;white-space:nowrap}
.warn{display:inline-block;border-radius:3px;padding:0 5px;margin:0 4px 2px 0;background:#fff8c5;border:1px solid #d4a72c;font-size:11px;white-space:nowrap}
td[data-col=details] ul{margin:0;padding-left:14px;color:#424a53}
td[data-col=details]{min-width:22em;max-width:40em}
[hidden]{display:none!important}
${verdictRules}
`;

/**
 * The script: sort a host's table by a column (click the header: ascending, again: descending;
 * unknown values last; ties keep the previous order), and filter rows by text or to VMs not in sync.
 */
export const SCRIPT = `"use strict";
(function () {
  function key(td, type) {
    var v = td.getAttribute("data-v");
    if (v === null || v === "") return null;
    return type === "num" ? Number(v) : v.toLowerCase();
  }
  function sortBy(th) {
    var table = th.closest("table"), col = th.cellIndex, type = th.getAttribute("data-type");
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (tr, i) { return { tr: tr, i: i, k: key(tr.cells[col], type) }; });
    rows.sort(function (a, b) {
      if (a.k === null || b.k === null) return a.k === b.k ? a.i - b.i : a.k === null ? 1 : -1;
      return a.k < b.k ? -dir : a.k > b.k ? dir : a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r.tr); });
    body.appendChild(frag);
  }
  document.querySelectorAll("th[data-type] button").forEach(function (b) {
    b.addEventListener("click", function () { sortBy(b.parentElement); });
  });
  var filter = document.getElementById("filter"), problems = document.getElementById("problems");
  function apply() {
    var q = filter.value.trim().toLowerCase(), only = problems.checked;
    document.querySelectorAll("section.host").forEach(function (s) {
      var shown = 0;
      Array.prototype.forEach.call(s.querySelectorAll("tbody tr"), function (tr) {
        var ok = (!q || tr.getAttribute("data-text").indexOf(q) >= 0) && (!only || tr.getAttribute("data-verdict") !== "in-sync");
        tr.hidden = !ok;
        if (ok) shown++;
      });
      s.hidden = shown === 0;
    });
  }
  filter.addEventListener("input", apply);
  problems.addEventListener("change", apply);
  var header = document.querySelector("header");
  function stick() { document.documentElement.style.setProperty("--header", header.offsetHeight + "px"); }
  window.addEventListener("resize", stick);
  stick();
})();
`;
