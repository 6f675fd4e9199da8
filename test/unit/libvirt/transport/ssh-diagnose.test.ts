import type { SshFailureReason } from "../../../../provider/libvirt/errors";
import { classifySshExit, stderrTail } from "../../../../provider/libvirt/transport/ssh-diagnose";

describe("classifySshExit (OpenSSH 9.2 stderr, Debian 12)", () => {
  const cases: Record<string, { code: number | null; signal?: NodeJS.Signals; stderr: string; reason: SshFailureReason | undefined }> = {
    "clean exit": { code: 0, stderr: "", reason: undefined },
    "unknown host key (BatchMode)": {
      code: 255, stderr: "No ED25519 host key is known for 127.0.0.1 and you have requested strict checking.\r\nHost key verification failed.\r\n", reason: "HOST_KEY_UNKNOWN",
    },
    "changed host key": {
      code: 255,
      stderr: "@@@@@@@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n@@@@@@@@@@@\r\nHost key verification failed.\r\n",
      reason: "HOST_KEY_CHANGED",
    },
    "key refused": { code: 255, stderr: "root@127.0.0.1: Permission denied (publickey).\r\n", reason: "AUTH_REJECTED" },
    "missing keyfile then refused": {
      code: 255, stderr: "Warning: Identity file /x not accessible: No such file or directory.\nroot@h: Permission denied (publickey).\n", reason: "AUTH_REJECTED",
    },
    "nothing listening": { code: 255, stderr: "ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n", reason: "REFUSED" },
    "connect timeout": { code: 255, stderr: "ssh: connect to host 10.0.0.1 port 22: Connection timed out\r\n", reason: "TIMEOUT" },
    "unknown host name": { code: 255, stderr: "ssh: Could not resolve hostname nohost: Name or service not known\r\n", reason: "UNREACHABLE" },
    "netcat missing on the far side": { code: 127, stderr: "sh: 1: /nonexistent: not found\n", reason: "HELPER_MISSING" },
    "exit 127 without a message": { code: 127, stderr: "", reason: "HELPER_MISSING" },
    "nc cannot reach the socket": { code: 1, stderr: "nc: /nonexist/sock: No such file or directory\n", reason: "DAEMON_UNREACHABLE" },
    "virt-ssh-helper cannot reach libvirtd": {
      code: 1, stderr: "virt-ssh-helper: cannot connect to 'qemu:///system': Failed to connect socket to '/run/libvirt/libvirt-sock': No such file or directory\n", reason: "DAEMON_UNREACHABLE",
    },
    "server stopped answering": { code: 255, stderr: "Timeout, server 127.0.0.1 not responding.\r\n", reason: "LINK_LOST" },
    "connection reset": { code: 255, stderr: "Connection reset by 127.0.0.1 port 22\r\n", reason: "LINK_LOST" },
    "ssh killed": { code: null, signal: "SIGKILL", stderr: "", reason: "LINK_LOST" },
    "255 with no words": { code: 255, stderr: "", reason: "LINK_LOST" },
    "something else": { code: 3, stderr: "odd\n", reason: "FAILED" },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(classifySshExit({ code: c.code, signal: c.signal ?? null, stderr: c.stderr })).toBe(c.reason);
  });
});

describe("stderrTail", () => {
  test("keeps the last lines, drops known-hosts chatter and blanks", () => {
    expect(stderrTail("a\r\nWarning: Permanently added '1.2.3.4' (ED25519) to the list of known hosts.\r\n\r\nb\nc\nd\n")).toBe("b / c / d");
  });
});
