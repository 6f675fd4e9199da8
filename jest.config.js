/**
 * Three projects: `unit` (pure code and in-process fakes, seconds), `integration`
 * (real libvirtd, real QEMU, real guest; needs .ci/run's daemons) and `faults` (the same
 * real stack with faults injected: frozen agents, frozen QEMU). `npm test` runs unit and
 * integration, then faults on their own, serially.
 * ts-jest keeps tsc's module interop, which Pulumi's closure serializer understands
 * (swc/babel defaults silently break serialized providers; see README "Testing").
 */
const tsJest = ["ts-jest", { tsconfig: "tsconfig.test.json", diagnostics: { ignoreCodes: [151002] } }];
const common = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": tsJest },
  moduleFileExtensions: ["ts", "js", "json"],
};
module.exports = {
  coverageProvider: "v8",
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    {
      ...common,
      displayName: "integration",
      testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
      // testTimeout is not a per-project option: the setup file raises it for this project.
      setupFilesAfterEnv: ["<rootDir>/test/integration/setup.ts"],
    },
    {
      ...common,
      displayName: "faults",
      testMatch: ["<rootDir>/test/faults/**/*.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/test/integration/setup.ts"],
    },
  ],
};
