/**
 * Connect deadlines of the QMP monitor and the socket guest agent against peers that
 * misbehave: a typed error naming the phase, within [deadline, deadline + margin] (or at once
 * for a failure), and no socket left open (the peer sees the client close, and no socket the
 * attempt opened is still open in this process).
 */
import { SocketGuestAgent, SocketMonitor, unixDialer } from "../../../provider/qmp";
import { RawPeer, answers, answersAndCloses, expectFault, openSockets, openedSince, silent, type PeerScript } from "../../fakes/raw-peer";

const DEADLINE_MS = 200;
const GREETING = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}\r\n';

let peer: RawPeer | undefined;
afterEach(async () => {
  await peer?.stop();
  peer = undefined;
});

interface FaultCase {
  script: PeerScript;
  want: { code: string; command: string; timesOut: boolean };
}

const monitorCases: Record<string, FaultCase> = {
  "accepts and never greets": { script: silent, want: { code: "QMP_TIMEOUT", command: "greeting", timesOut: true } },
  "greets, never answers qmp_capabilities": { script: answers(GREETING), want: { code: "QMP_TIMEOUT", command: "qmp_capabilities", timesOut: true } },
  "closes in the middle of the greeting line": { script: answersAndCloses(GREETING.slice(0, 30)), want: { code: "QMP_CONNECTION_CLOSED", command: "greeting", timesOut: false } },
  "answers garbage (an HTTP response)": { script: answers("HTTP/1.1 400 Bad Request\r\n\r\n"), want: { code: "QMP_PROTOCOL_ERROR", command: "greeting", timesOut: false } },
};

describe("SocketMonitor.connect under faults", () => {
  test.each(Object.entries(monitorCases))("%s", async (_name, c) => {
    const p = (peer = await RawPeer.start(c.script));
    const connect = () => SocketMonitor.connect(unixDialer(p.path), { connectTimeoutMs: DEADLINE_MS });
    const error = await expectFault(connect, () => p.waitClosed(), { deadlineMs: DEADLINE_MS, timesOut: c.want.timesOut });
    expect(error).toMatchObject({ code: c.want.code, command: c.want.command });
  });
});

describe("SocketGuestAgent.connect under faults", () => {
  test("a chardev that accepts and never answers guest-sync-delimited: AGENT_TIMEOUT in sync, socket closed", async () => {
    const p = (peer = await RawPeer.start(silent));
    const connect = () => SocketGuestAgent.connect(unixDialer(p.path), { syncTimeoutMs: 50, totalTimeoutMs: DEADLINE_MS });
    const error = await expectFault(connect, () => p.waitClosed(), { deadlineMs: DEADLINE_MS, timesOut: true });
    expect(error).toMatchObject({ code: "AGENT_TIMEOUT", phase: "sync", timeoutMs: DEADLINE_MS });
  });
});

describe("the dial counts against the deadline", () => {
  test("an aborted dial is QMP_DIAL_FAILED naming the target and opens nothing", async () => {
    peer = await RawPeer.start(silent);
    const before = openSockets();
    const abort = new AbortController();
    const dialing = unixDialer(peer.path).dial(abort.signal);
    abort.abort(new Error("deadline"));
    await expect(dialing).rejects.toMatchObject({ code: "QMP_DIAL_FAILED", target: `unix:${peer.path}` });
    if (peer.accepted) await peer.waitClosed();
    expect(openedSince(before)).toEqual([]);
  });
});
