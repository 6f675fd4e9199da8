#!/usr/bin/env node
/**
 * Entry point of the `pulumi-qemu-vcpu` command (package.json `bin`). See ./README.md.
 * Exit codes: 0 no drift, 2 drift, 1 error or incomplete report.
 */
import { run } from "./run";

/** Grace period for open handles (e.g. a host that never answered) once the report is written. */
const EXIT_GRACE_MS = 2000;

void run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then((code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
});
