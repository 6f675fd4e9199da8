import { DRIFT_DEFAULTS, parseCommandLine, type Command } from "../../../provider/cli/args";
import { isCliError } from "../../../provider/cli/errors";

const drift = (over: Record<string, unknown> = {}): Command => ({
  kind: "drift",
  options: {
    input: "stack.json", json: false, hostConcurrency: DRIFT_DEFAULTS.hostConcurrency, vmConcurrency: DRIFT_DEFAULTS.vmConcurrency,
    hostTimeoutMs: DRIFT_DEFAULTS.hostTimeoutSeconds * 1000, progress: true, ...over,
  },
});

const ok: Record<string, { argv: string[]; command: Command | "help" }> = {
  "a file, defaults": { argv: ["drift", "stack.json"], command: drift() },
  "stdin": { argv: ["drift", "-"], command: drift({ input: "-" }) },
  "every option": {
    argv: ["drift", "stack.json", "--json", "--hosts", "2", "--per-host", "4", "--timeout", "5", "--quiet"],
    command: drift({ json: true, hostConcurrency: 2, vmConcurrency: 4, hostTimeoutMs: 5000, progress: false }),
  },
  "options before the file": { argv: ["drift", "--json", "stack.json"], command: drift({ json: true }) },
  "--html FILE, with the table": { argv: ["drift", "stack.json", "--html", "out/drift.html"], command: drift({ html: "out/drift.html" }) },
  "--html=FILE with --json": { argv: ["drift", "--json", "--html=drift.html", "stack.json"], command: drift({ json: true, html: "drift.html" }) },
  "--help": { argv: ["--help"], command: "help" },
  "drift --help": { argv: ["drift", "-h"], command: "help" },
  "--version": { argv: ["--version"], command: { kind: "version" } },
};

const bad: Record<string, { argv: string[]; message: RegExp }> = {
  "no command": { argv: [], message: /^a command is needed$/ },
  "unknown command": { argv: ["drfit", "x"], message: /^unknown command "drfit"/ },
  "no file": { argv: ["drift"], message: /^drift needs an input file \(or - for stdin\)/ },
  "two files": { argv: ["drift", "a", "b"], message: /^one input file expected, got 2/ },
  "unknown flag": { argv: ["drift", "a", "--jsn"], message: /Unknown option '--jsn'/ },
  "zero hosts": { argv: ["drift", "a", "--hosts", "0"], message: /^--hosts must be a whole number of at least 1, not "0"/ },
  "--html without a file": { argv: ["drift", "a", "--html"], message: /Option '--html <value>' argument missing/ },
  "--html with an empty file name": { argv: ["drift", "a", "--html="], message: /^--html needs a file name to write the page to$/ },
  "fractional timeout": { argv: ["drift", "a", "--timeout", "1.5"], message: /^--timeout must be a whole number/ },
};

describe("parseCommandLine", () => {
  test.each(Object.entries(ok))("%s", (_name, c) => {
    const got = parseCommandLine(c.argv);
    if (c.command === "help") expect(got).toEqual({ kind: "help", text: expect.stringContaining("Exit codes: 0 no drift; 2 drift") });
    else expect(got).toEqual(c.command);
  });

  test.each(Object.entries(bad))("%s is a USAGE error", (_name, c) => {
    const err = (() => { try { parseCommandLine(c.argv); return undefined; } catch (e) { return e; } })();
    expect(isCliError(err, "USAGE")).toBe(true);
    expect((err as Error).message).toMatch(c.message);
    expect((err as Error).message).not.toContain("Usage:");
  });

  test("the help lists every verdict and kind of drift", () => {
    const help = parseCommandLine(["--help"]);
    expect(help.kind === "help" && help.text).toMatch(/in-sync[\s\S]*drift[\s\S]*libvirt-stale[\s\S]*stopped[\s\S]*gone[\s\S]*unreachable[\s\S]*live-vcpus[\s\S]*guest-offline[\s\S]*restart-pending/);
  });
});
