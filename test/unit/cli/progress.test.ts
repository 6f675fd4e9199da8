import { PROGRESS_THRESHOLD, createProgress } from "../../../provider/cli/drift/progress";

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, sink: { isTTY, write: (t: string) => void out.push(t) } };
}

const clock = () => {
  let t = 1000;
  return () => (t += 5);
};

describe("progress", () => {
  test("a few VMs: nothing on stderr", () => {
    const s = sink(false);
    const p = createProgress(s.sink, PROGRESS_THRESHOLD, 1, true);
    p.vmDone();
    p.hostDone({ host: "qemu:///system", vms: 5, ms: 3 });
    p.finish();
    expect(s.out).toEqual([]);
  });

  test("--quiet: nothing on stderr", () => {
    const s = sink(false);
    createProgress(s.sink, 50, 2, false).finish();
    expect(s.out).toEqual([]);
  });

  test("more than a few VMs, not a terminal: start, one line per host, end", () => {
    const s = sink(false);
    const p = createProgress(s.sink, 6, 2, true, clock());
    for (let i = 0; i < 6; i++) p.vmDone();
    p.hostDone({ host: "qemu:///system", vms: 5, ms: 31 });
    p.hostDone({ host: "qemu+unix:///system?socket=/x", vms: 1, ms: 1, unreachable: "can't connect" });
    p.finish();
    expect(s.out.join("")).toBe(
      [
        "drift: reading 6 VMs on 2 hosts (one connection per host)",
        "drift: qemu:///system: 5 VMs read in 31 ms",
        "drift: qemu+unix:///system?socket=/x: unreachable: can't connect",
        "drift: 6 VMs read in 5 ms",
        "",
      ].join("\n"),
    );
  });

  test("on a terminal a counter rewrites its line", () => {
    const s = sink(true);
    const p = createProgress(s.sink, 6, 1, true, clock());
    p.vmDone();
    p.vmDone();
    expect(s.out.slice(-1)).toEqual(["\r\x1b[Kdrift: 2/6 VMs read"]);
  });
});
