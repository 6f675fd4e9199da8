/**
 * Live `<metadata>` elements of a {@link FakeDomain}, as libvirtd 9.0 keeps them for
 * DOMAIN_SET_METADATA (264) / DOMAIN_GET_METADATA (265) with VIR_DOMAIN_METADATA_ELEMENT: one
 * element per namespace URI, returned with the `key` prefix and namespace declaration libvirt
 * adds; a missing one is VIR_ERR_NO_DOMAIN_METADATA (80), AFFECT_LIVE on a shut-off domain is
 * VIR_ERR_OPERATION_INVALID (55), setting an element without a key or URI is VIR_ERR_INVALID_ARG
 * (8). A start (DOMAIN_CREATE) drops the live elements. Only LIVE is kept: a CONFIG write is
 * recorded (by FakeDomain) and refused, so a test sees it.
 */
import type { RemoteErrorFields } from "../../../../provider/libvirt/errors";
import { AFFECT_LIVE, METADATA_ELEMENT } from "../../../../provider/libvirt/constants";
import * as R from "../../../../provider/libvirt/protocol/remote-procedures";
import { fail, ok, type FakeReply } from "../../../fakes/libvirtd";
import type { FakeDomain } from "./fake-domain";
import * as W from "./wire";

/** What libvirt 9.0 answers when the element is not there (virDomainDefGetMetadata). */
const NOT_PRESENT: Partial<RemoteErrorFields> = { code: 80, domain: 20, message: "metadata not found: Requested metadata element is not present" };
const INVALID_ARG = (what: string): Partial<RemoteErrorFields> => ({ code: 8, domain: 10, message: `invalid argument: ${what}` });

/** The element as libvirt stores and returns it: prefixed with `key`, declaring `uri`. */
export function asLibvirtStores(xml: string, key: string, uri: string): string {
  return xml.replace(/^<([A-Za-z_][\w.-]*)/, `<${key}:$1 xmlns:${key}="${uri}"`).replace(/<\/([A-Za-z_][\w.-]*)>$/, `</${key}:$1>`);
}

/** Live metadata elements of a fake domain. */
export class FakeMetadata {
  /** Elements by namespace URI, as GET_METADATA returns them. */
  readonly live = new Map<string, string>();
  /** Runs right after a SET_METADATA is applied (a test writes another owner's lease here: the race). */
  afterSet: (() => void) | undefined;
  /** Answer GET_METADATA with this error instead (e.g. a dropped connection's stand-in). */
  getError: Partial<RemoteErrorFields> | undefined;

  constructor(private readonly d: FakeDomain) {}

  /** Scripts SET_METADATA and GET_METADATA. */
  install(): void {
    this.d
      .on(R.DomainSetMetadata, W.readSetMetadata, (a) => this.set(a))
      .on(R.DomainGetMetadata, W.readGetMetadata, (a) => this.get(a));
  }

  private refusal(type: number, uri: string | null, flags: number): Partial<RemoteErrorFields> | undefined {
    if (type !== METADATA_ELEMENT || !uri) return INVALID_ARG("only ELEMENT metadata with a URI is scripted");
    if (flags !== AFFECT_LIVE) return INVALID_ARG(`the fake keeps only live metadata (flags ${flags})`);
    if (!this.d.running) return W.LIBVIRT_ERRORS.notRunning;
    return undefined;
  }

  private set(a: R.DomSetMetadataArgs): FakeReply {
    const refused = this.refusal(a.type, a.uri, a.flags);
    if (refused) return fail(refused);
    if (a.metadata === null) this.live.delete(a.uri!);
    else if (!a.key) return fail(INVALID_ARG("key must not be NULL"));
    else this.live.set(a.uri!, asLibvirtStores(a.metadata, a.key, a.uri!));
    this.afterSet?.();
    return ok();
  }

  private get(a: { type: number; uri: string | null; flags: number }): FakeReply {
    const refused = this.getError ?? this.refusal(a.type, a.uri, a.flags);
    if (refused) return fail(refused);
    const xml = this.live.get(a.uri!);
    return xml === undefined ? fail(NOT_PRESENT) : W.stringRet(xml);
  }
}
