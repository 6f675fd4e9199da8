/**
 * A stand-in for the engine's own gRPC service (`pulumirpc.Engine`), whose address the
 * engine passes to every plugin. The Node dynamic-provider host never dials it (pulumi#6065);
 * it is served anyway so the host gets a real address, and so a test can show that provider
 * logs arrive on stdout, not as `Engine.Log` calls.
 */
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as enginepb from "@pulumi/pulumi/proto/engine_pb";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";

/** One `Engine.Log` call received. */
export interface EngineLog {
  readonly severity: number;
  readonly message: string;
  readonly urn: string;
}

/** A running fake engine service. */
export class FakeEngineService {
  private constructor(
    private readonly server: grpc.Server,
    /** Every `Engine.Log` call received. */
    readonly logs: readonly EngineLog[],
    /** `127.0.0.1:<port>`, what the engine passes to plugins. */
    readonly address: string,
  ) {}

  /** Binds an ephemeral port on 127.0.0.1 and serves. */
  static async start(): Promise<FakeEngineService> {
    const server = new grpc.Server();
    const logs: EngineLog[] = [];
    server.addService(EngineService, {
      log: (call: grpc.ServerUnaryCall<enginepb.LogRequest, Empty>, cb: grpc.sendUnaryData<Empty>) => {
        logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage(), urn: call.request.getUrn() });
        cb(null, new Empty());
      },
      getRootResource: (_c: unknown, cb: grpc.sendUnaryData<enginepb.GetRootResourceResponse>) => cb(null, new enginepb.GetRootResourceResponse()),
      setRootResource: (_c: unknown, cb: grpc.sendUnaryData<enginepb.SetRootResourceResponse>) => cb(null, new enginepb.SetRootResourceResponse()),
      startDebugging: (_c: unknown, cb: grpc.sendUnaryData<Empty>) => cb(null, new Empty()),
      requirePulumiVersion: (_c: unknown, cb: grpc.sendUnaryData<enginepb.RequirePulumiVersionResponse>) => cb(null, new enginepb.RequirePulumiVersionResponse()),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return new FakeEngineService(server, logs, `127.0.0.1:${port}`);
  }

  /** Stops serving. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
