/**
 * NUMA nodes of a report row, read tolerantly: the page shows whatever per-node data a row
 * carries (a list or a map of nodes under `numa`, `nodes` or `numaNodes`, on the row or on its
 * `live` view) without depending on one shape, and shows nothing when there is none.
 */

/** One node as shown: its id and its numeric facts in the order the report has them. */
export interface NodeInfo {
  readonly node: string;
  readonly counts: readonly (readonly [label: string, value: number])[];
}

/** Where per-node data may sit, in the order looked at. */
const PLACES: readonly (readonly string[])[] = [["numa"], ["nodes"], ["numaNodes"], ["live", "numa"], ["live", "nodes"], ["live", "numaNodes"]];
/** Keys that name the node rather than count something. */
const ID_KEYS = ["node", "id", "nodeId", "node-id"];
/** More nodes than this is not a NUMA summary. */
const MAX_NODES = 256;

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

function at(row: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, key) => (isRec(v) ? v[key] : undefined), row);
}

/** A count: a number, or a list (of vCPU ids) by its length. */
function countOf(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v.length;
  return undefined;
}

function nodeOf(id: unknown, facts: unknown): NodeInfo | undefined {
  if (!isRec(facts) || (typeof id !== "string" && typeof id !== "number")) return undefined;
  const counts = Object.entries(facts)
    .filter(([k]) => !ID_KEYS.includes(k))
    .flatMap(([k, v]) => {
      const n = countOf(v);
      return n === undefined ? [] : [[k, n] as const];
    });
  return { node: String(id), counts };
}

function nodesIn(value: unknown): NodeInfo[] | undefined {
  const pairs: [unknown, unknown][] = Array.isArray(value)
    ? value.map((n) => [isRec(n) ? ID_KEYS.map((k) => n[k]).find((x) => x !== undefined) : undefined, n])
    : isRec(value) ? Object.entries(value) : [];
  const nodes = pairs.slice(0, MAX_NODES).map(([id, facts]) => nodeOf(id, facts));
  return nodes.length && nodes.every((n) => n !== undefined) ? (nodes as NodeInfo[]) : undefined;
}

/** The row's NUMA nodes, or an empty list when it has no per-node data this page understands. */
export function nodesOf(row: unknown): NodeInfo[] {
  for (const place of PLACES) {
    const nodes = nodesIn(at(row, place));
    if (nodes) return nodes;
  }
  return [];
}
