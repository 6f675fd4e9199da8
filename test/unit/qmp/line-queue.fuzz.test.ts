/**
 * Property test of the guest agent's read path (splitter → LineQueue): whatever the
 * chunking, `take` hands out the lines in order and each error in its place, as a rejection.
 */
import * as fc from "fast-check";
import { LineSplitter, QmpProtocolError } from "../../../provider/qmp";
import { LineQueue } from "../../../provider/qmp/line-queue";
import { chunksAt, runs } from "../../support/fuzz";

const CAP = 32;
const line = fc.oneof(
  fc.record({ return: fc.integer() }).map((m) => JSON.stringify(m)),
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 2 * CAP }).map((s) => s.replace(/[\r\n]/g, "x")),
);

/** Takes `n` items; a rejection counts as "error". Only queued items: no timer ever fires. */
async function drain(q: LineQueue, n: number): Promise<Array<string | "error">> {
  const out: Array<string | "error"> = [];
  for (let i = 0; i < n; i++) {
    out.push(await q.take(60_000).then((l) => l ?? "timeout", (e: unknown) => (e instanceof QmpProtocolError ? "error" : String(e))));
  }
  return out;
}

describe("LineQueue properties", () => {
  test("lines and errors are taken in stream order whatever the chunking", async () => {
    await fc.assert(fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), async (lines, cuts) => {
      const s = new LineSplitter(CAP);
      const q = new LineQueue();
      for (const c of chunksAt(Buffer.from(lines.map((l) => `${l}\n`).join("")), cuts)) for (const item of s.push(c)) q.push(item);
      expect(await drain(q, lines.length)).toEqual(lines.map((l) => (l.length > CAP ? "error" : l)));
    }), runs(300));
  });
});
