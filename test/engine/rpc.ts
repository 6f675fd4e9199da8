/**
 * The engine's side of `pulumirpc.ResourceProvider`, over the stubs shipped in
 * `@pulumi/pulumi/proto` and google-protobuf `Struct`: plain objects in, plain objects out,
 * failures as {@link RpcError} (with the partial state of an `ErrorResourceInitFailed`).
 */
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { toWire, type Props } from "./props";

/** Diff outcome as the wire says it (`DiffResponse.DiffChanges`). */
export type DiffChanges = "DIFF_UNKNOWN" | "DIFF_NONE" | "DIFF_SOME";

/** A `DiffResponse`, decoded. */
export interface DiffReply {
  readonly changes: DiffChanges;
  readonly replaces: string[];
  readonly stables: string[];
  readonly deleteBeforeReplace: boolean;
  readonly diffs: string[];
  readonly hasDetailedDiff: boolean;
}

/** Partial state carried by a failed Create/Update (`pulumirpc.ErrorResourceInitFailed`). */
export interface InitFailure {
  readonly id: string;
  readonly properties: Props;
  readonly reasons: string[];
}

/** A failed RPC: the gRPC status code name, the message the provider raised, any partial state. */
export class RpcError extends Error {
  override readonly name = "RpcError";
  constructor(
    readonly method: string,
    readonly code: string,
    readonly details: string,
    readonly initFailure: InitFailure | undefined,
  ) {
    super(`${method}: ${code}: ${details}`);
  }
}

/** Identity of the resource an RPC is about. */
export interface Target {
  readonly urn: string;
  readonly name: string;
  readonly type: string;
}

const CHANGES: Record<number, DiffChanges> = { 0: "DIFF_UNKNOWN", 1: "DIFF_NONE", 2: "DIFF_SOME" };
const DEADLINE_MS = 15 * 60_000;
const struct = (p: Props) => Struct.fromJavaScript(toWire(p) as Record<string, never>);
const plain = (s: Struct | undefined) => (s ? (s.toJavaScript() as Props) : {});

function initFailureOf(err: grpc.ServiceError): InitFailure | undefined {
  const bin = err.metadata?.get("grpc-status-details-bin")[0];
  if (!bin || typeof bin === "string") return undefined;
  for (const any of Status.deserializeBinary(bin).getDetailsList()) {
    const detail = any.unpack(proto.ErrorResourceInitFailed.deserializeBinary, "pulumirpc.ErrorResourceInitFailed");
    if (detail) return { id: detail.getId(), properties: plain(detail.getProperties()), reasons: detail.getReasonsList() };
  }
  return undefined;
}

/** Typed calls to one provider host. */
export class ProviderRpc {
  private readonly client: ResourceProviderClient;

  constructor(port: number) {
    this.client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  private call<Req, Res>(method: string, req: Req): Promise<Res> {
    const fn = (this.client as unknown as Record<string, Function>)[method]!.bind(this.client);
    return new Promise<Res>((resolve, reject) => {
      fn(req, new grpc.Metadata(), { deadline: Date.now() + DEADLINE_MS }, (err: grpc.ServiceError | null, res: Res) => {
        if (!err) return resolve(res);
        reject(new RpcError(method, grpc.status[err.code] ?? String(err.code), err.details, initFailureOf(err)));
      });
    });
  }

  /** `GetPluginInfo` → the SDK version the host runs. */
  async pluginVersion(): Promise<string> {
    return (await this.call<Empty, plugproto.PluginInfo>("getPluginInfo", new Empty())).getVersion();
  }

  /** Calls an RPC the engine probes and tolerates being unimplemented; resolves with the status code name. */
  async probe(method: "handshake" | "checkConfig"): Promise<string> {
    const req = method === "handshake" ? new proto.ProviderHandshakeRequest() : new proto.CheckRequest();
    return this.call(method, req).then(() => "OK", (e: unknown) => (e instanceof RpcError ? e.code : Promise.reject(e)));
  }

  /** `Configure` with the stack config; resolves with whether the provider accepts secrets. */
  async configure(config: Readonly<Record<string, string>>): Promise<{ acceptSecrets: boolean; supportsPreview: boolean }> {
    const req = new proto.ConfigureRequest().setArgs(struct(config)).setAcceptsecrets(true).setAcceptresources(true);
    req.setSendsOldInputs(true).setSendsOldInputsToDelete(true);
    for (const [k, v] of Object.entries(config)) req.getVariablesMap().set(k.replace(":", ":config:"), v);
    const res = await this.call<proto.ConfigureRequest, proto.ConfigureResponse>("configure", req);
    return { acceptSecrets: res.getAcceptsecrets(), supportsPreview: res.getSupportspreview() };
  }

  /** `Check(olds, news)` → checked inputs and failures. */
  async check(t: Target, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const req = new proto.CheckRequest().setUrn(t.urn).setName(t.name).setType(t.type).setOlds(struct(olds)).setNews(struct(news));
    const res = await this.call<proto.CheckRequest, proto.CheckResponse>("check", req);
    return { inputs: plain(res.getInputs()), failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })) };
  }

  /** `Diff(id, old outputs, new inputs, old inputs)`. */
  async diff(t: Target, id: string, olds: Props, news: Props, oldInputs: Props): Promise<DiffReply> {
    const req = new proto.DiffRequest().setUrn(t.urn).setName(t.name).setType(t.type).setId(id);
    req.setOlds(struct(olds)).setNews(struct(news)).setOldInputs(struct(oldInputs));
    const res = await this.call<proto.DiffRequest, proto.DiffResponse>("diff", req);
    return {
      changes: CHANGES[res.getChanges()] ?? "DIFF_UNKNOWN",
      replaces: res.getReplacesList(),
      stables: res.getStablesList(),
      deleteBeforeReplace: res.getDeletebeforereplace(),
      diffs: res.getDiffsList(),
      hasDetailedDiff: res.getHasdetaileddiff(),
    };
  }

  /** `Create(inputs)` → id and outputs. */
  async create(t: Target, inputs: Props): Promise<{ id: string; outputs: Props }> {
    const req = new proto.CreateRequest().setUrn(t.urn).setName(t.name).setType(t.type).setProperties(struct(inputs)).setTimeout(0);
    const res = await this.call<proto.CreateRequest, proto.CreateResponse>("create", req);
    return { id: res.getId(), outputs: plain(res.getProperties()) };
  }

  /** `Read(id, old outputs, old inputs)` (refresh) → id ("" = gone), outputs, optional new input baseline. */
  async read(t: Target, id: string, outputs: Props, inputs: Props): Promise<{ id: string; outputs: Props; inputs: Props | undefined }> {
    const req = new proto.ReadRequest().setUrn(t.urn).setName(t.name).setType(t.type).setId(id);
    req.setProperties(struct(outputs)).setInputs(struct(inputs));
    const res = await this.call<proto.ReadRequest, proto.ReadResponse>("read", req);
    return { id: res.getId(), outputs: plain(res.getProperties()), inputs: res.hasInputs() ? plain(res.getInputs()) : undefined };
  }

  /** `Update(id, old outputs, new inputs, old inputs)` → outputs. */
  async update(t: Target, id: string, olds: Props, news: Props, oldInputs: Props): Promise<Props> {
    const req = new proto.UpdateRequest().setUrn(t.urn).setName(t.name).setType(t.type).setId(id);
    req.setOlds(struct(olds)).setNews(struct(news)).setOldInputs(struct(oldInputs)).setTimeout(0);
    return plain((await this.call<proto.UpdateRequest, proto.UpdateResponse>("update", req)).getProperties());
  }

  /** `Delete(id, outputs, old inputs)`. */
  async delete(t: Target, id: string, outputs: Props, oldInputs: Props): Promise<void> {
    const req = new proto.DeleteRequest().setUrn(t.urn).setName(t.name).setType(t.type).setId(id);
    req.setProperties(struct(outputs)).setOldInputs(struct(oldInputs)).setTimeout(0);
    await this.call<proto.DeleteRequest, Empty>("delete", req);
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }
}
