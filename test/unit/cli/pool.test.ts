import { mapBounded, settledBy } from "../../../provider/cli/pool";

/** A promise with its resolve function, to release work explicitly. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe("mapBounded", () => {
  test.each([
    ["fewer items than the bound", 3, 8],
    ["more items than the bound", 20, 4],
    ["a bound of one runs one at a time", 5, 1],
  ])("%s: results in input order, never more than the bound in flight", async (_name, items, limit) => {
    let inFlight = 0;
    let most = 0;
    const results = await mapBounded(Array.from({ length: items }, (_, i) => i), limit, async (x) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight -= 1;
      return x * 10;
    });
    expect(results).toEqual(Array.from({ length: items }, (_, i) => i * 10));
    expect(most).toBe(Math.min(items, limit));
  });

  test("no items: no calls", async () => {
    const fn = jest.fn();
    expect(await mapBounded([], 4, fn)).toEqual([]);
    expect(fn).not.toHaveBeenCalled();
  });
});

describe("settledBy", () => {
  test("work that settles before the deadline: true (even if it failed)", async () => {
    expect(await settledBy(Promise.resolve(1), Date.now() + 10_000)).toBe(true);
    expect(await settledBy(Promise.reject(new Error("x")), Date.now() + 10_000)).toBe(true);
  });

  test("work still running at the deadline: false, and the work is left running", async () => {
    const g = gate();
    const t0 = Date.now();
    expect(await settledBy(g.promise, t0 + 50)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    g.open();
    await g.promise;
  });
});
