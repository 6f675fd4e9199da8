/**
 * Dispatch for `pulumi-qemu-vcpu`: parse the command line, run the command, turn errors into
 * one `error: …` line on stderr (a usage error followed by the usage, once) and exit code 1.
 */
import { describeCause } from "../errors";
import { SHORT_USAGE, parseCommandLine } from "./args";
import { runDrift, type Io } from "./drift/command";
import { runGateway } from "./gateway/command";
import { isCliError } from "./errors";
import { packageVersion } from "./version";

export type { Io } from "./drift/command";

/** Runs the command line `argv` (without `node` and the script); resolves with the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    const command = parseCommandLine(argv);
    if (command.kind === "help") {
      io.stdout.write(command.text);
      return 0;
    }
    if (command.kind === "version") {
      io.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    if (command.kind === "gateway") return await runGateway(command.args, io);
    return await runDrift(command.options, io);
  } catch (err) {
    const text = isCliError(err) ? `${err.message}${err.code === "USAGE" ? "" : ` [${err.code}]`}` : describeCause(err);
    io.stderr.write(`error: ${text}\n${isCliError(err, "USAGE") ? `\n${SHORT_USAGE}` : ""}`);
    return 1;
  }
}
