import { farSideScript, shellQuote, SSH_SERVER_ALIVE_ARGS as ALIVE, sshArgv } from "../../../../provider/libvirt/transport/ssh-command";
import { sshParams } from "../../../../provider/libvirt/transport/ssh-params";
import { parseLibvirtUri } from "../../../../provider/libvirt/transport/uri";

const params = (uri: string) => sshParams(parseLibvirtUri(uri));
const NC = `if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0; else ARG=; fi; 'nc' $ARG -U '/run/libvirt/libvirt-sock'`;
const AUTO = `if which virt-ssh-helper >/dev/null 2>&1; then virt-ssh-helper 'qemu:///system'; else ${NC}; fi`;

describe("sshArgv (libvirt virNetSocketNewConnectSSH order)", () => {
  const cases: Record<string, { uri: string; timeoutMs?: number; argv: string[] }> = {
    "host only: batch mode, no escape char, auto proxy": {
      uri: "qemu+ssh://kvm1/system",
      argv: ["-T", "-o", "BatchMode=yes", "-e", "none", ...ALIVE, "--", "kvm1", `sh -c ${shellQuote(AUTO)}`],
    },
    "user, port, keyfile, known_hosts, no_verify": {
      uri: "qemu+ssh://admin@kvm1:2222/system?keyfile=/k/id&known_hosts=/k/kh&no_verify=1",
      argv: ["-p", "2222", "-l", "admin", "-i", "/k/id", "-T", "-o", "BatchMode=yes", "-e", "none", "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/k/kh", ...ALIVE, "--", "kvm1", `sh -c ${shellQuote(AUTO)}`],
    },
    "no_tty=0 drops -T and BatchMode": {
      uri: "qemu+ssh://kvm1/system?no_tty=0",
      argv: ["-e", "none", ...ALIVE, "--", "kvm1", `sh -c ${shellQuote(AUTO)}`],
    },
    "proxy=netcat: nc -U the default socket": {
      uri: "qemu+ssh://kvm1/system?proxy=netcat",
      argv: ["-T", "-o", "BatchMode=yes", "-e", "none", ...ALIVE, "--", "kvm1", `sh -c ${shellQuote(NC)}`],
    },
    "a connect timeout becomes ConnectTimeout in whole seconds": {
      uri: "qemu+ssh://kvm1/system?proxy=native", timeoutMs: 2500,
      argv: ["-T", "-o", "BatchMode=yes", "-e", "none", "-o", "ConnectTimeout=3", ...ALIVE, "--", "kvm1", `sh -c ${shellQuote("virt-ssh-helper 'qemu:///system'")}`],
    },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(sshArgv(params(c.uri), c.timeoutMs)).toEqual(c.argv);
  });
});

describe("farSideScript", () => {
  const cases: Record<string, { uri: string; script: string }> = {
    "netcat= selects the netcat proxy and is quoted": {
      uri: "qemu+ssh://kvm1/system?netcat=/opt/my%20nc&socket=/s/it's",
      script: `if '/opt/my nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0; else ARG=; fi; '/opt/my nc' $ARG -U '/s/it'\\''s'`,
    },
    "session URI goes to virt-ssh-helper as is": {
      uri: "qemu+ssh://kvm1/session?proxy=native",
      script: "virt-ssh-helper 'qemu:///session'",
    },
  };
  test.each(Object.entries(cases))("%s", (_name, c) => {
    expect(farSideScript(params(c.uri))).toBe(c.script);
  });
});

describe("shellQuote", () => {
  test.each([
    ["plain", "'plain'"],
    ["it's", `'it'\\''s'`],
    ["$HOME;rm -rf /", "'$HOME;rm -rf /'"],
  ])("%s → %s", (input, quoted) => expect(shellQuote(input)).toBe(quoted));
});
