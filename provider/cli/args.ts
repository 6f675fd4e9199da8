/**
 * Command-line parsing for `pulumi-qemu-vcpu` (node:util parseArgs; no dependencies).
 * Usage errors are CliError USAGE holding only what is wrong; the command prints the usage
 * once, after it.
 */
import { parseArgs } from "node:util";
import { CliError } from "./errors";
import { DRIFT_KINDS, VERDICTS } from "./drift/verdicts";

/** Options of `drift`. */
export interface DriftOptions {
  /** Path of a stack export or spec file; `-` = stdin. */
  readonly input: string;
  readonly json: boolean;
  /** Hosts read in parallel. */
  readonly hostConcurrency: number;
  /** VMs of one host read at once over its connection. */
  readonly vmConcurrency: number;
  /** Deadline per host (connect + reads), ms. */
  readonly hostTimeoutMs: number;
  /** Progress on stderr (when more than a few VMs). */
  readonly progress: boolean;
  /** `--html FILE`: also write the self-contained HTML view there. */
  readonly html?: string;
}

/** A parsed command line. */
export type Command =
  | { readonly kind: "drift"; readonly options: DriftOptions }
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "version" }
  | { readonly kind: "gateway"; readonly args: string[] };

/** Defaults of the drift options. */
export const DRIFT_DEFAULTS = { hostConcurrency: 8, vmConcurrency: 16, hostTimeoutSeconds: 30 } as const;

const table = (rows: Record<string, { meaning: string }>) =>
  Object.entries(rows).map(([name, r]) => `  ${name.padEnd(16)}${r.meaning}`).join("\n");

/** `pulumi-qemu-vcpu --help`. */
export const USAGE = `Usage: pulumi-qemu-vcpu drift <FILE | -> [--json] [--hosts N] [--per-host N] [--timeout SECONDS] [--quiet] [--html FILE]
       pulumi-qemu-vcpu gateway --config FILE   (see: pulumi-qemu-vcpu gateway --help)

For every VmCpu in FILE (\`pulumi stack export\` output, or a drift spec file; - reads stdin),
read the VM's live state (one connection per host) and compare it with what is declared.

Options:
  --json             one JSON document {"version", "vms": [...], "summary": {...}} instead of the table
  --hosts N          hosts read in parallel (default ${DRIFT_DEFAULTS.hostConcurrency})
  --per-host N       VMs of one host read at once over its one connection (default ${DRIFT_DEFAULTS.vmConcurrency})
  --timeout SECONDS  deadline per host for connecting and reading (default ${DRIFT_DEFAULTS.hostTimeoutSeconds})
  --quiet            no progress on stderr
  --html FILE        also write the report as one self-contained HTML page (per host, per VM, sortable;
                     works offline) to FILE; stdout and the exit code are the same as without it
  -h, --help         this text
  --version          the package's version

Exit codes: 0 no drift; 2 drift (drift, libvirt-stale, stopped, gone);
            1 error: bad input, or some VMs could not be checked (the others are still reported).

Verdicts:
${table(VERDICTS)}

Kinds of drift:
${table(DRIFT_KINDS)}
`;

/** The usage printed after a usage error: the synopsis and where the rest is. */
export const SHORT_USAGE = `${USAGE.split("\n")[0]}\nRun "pulumi-qemu-vcpu --help" for the options, exit codes and verdicts.\n`;

const usage = (message: string) => new CliError("USAGE", message);

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw usage(`${flag} must be a whole number of at least 1, not "${text}"`);
  return n;
}

function parseDrift(args: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        hosts: { type: "string" },
        "per-host": { type: "string" },
        timeout: { type: "string" },
        quiet: { type: "boolean" },
        html: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help", text: USAGE };
  if (positionals.length !== 1) throw usage(positionals.length ? `one input file expected, got ${positionals.length}` : "drift needs an input file (or - for stdin)");
  if (values.html === "") throw usage("--html needs a file name to write the page to");
  return {
    kind: "drift",
    options: {
      input: positionals[0] as string,
      json: values.json === true,
      hostConcurrency: positiveInt("--hosts", values.hosts, DRIFT_DEFAULTS.hostConcurrency),
      vmConcurrency: positiveInt("--per-host", values["per-host"], DRIFT_DEFAULTS.vmConcurrency),
      hostTimeoutMs: positiveInt("--timeout", values.timeout, DRIFT_DEFAULTS.hostTimeoutSeconds) * 1000,
      progress: values.quiet !== true,
      ...(values.html !== undefined ? { html: values.html } : {}),
    },
  };
}

/** Parses `argv` (without `node` and the script). */
export function parseCommandLine(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined) throw usage("a command is needed");
  if (command === "-h" || command === "--help" || command === "help") return { kind: "help", text: USAGE };
  if (command === "--version" || command === "version") return { kind: "version" };
  if (command === "drift") return parseDrift(rest);
  if (command === "gateway") return { kind: "gateway", args: rest };
  throw usage(`unknown command "${command}"`);
}
