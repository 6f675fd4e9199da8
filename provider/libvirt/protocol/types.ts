/**
 * Shared XDR types of remote_protocol.x: `remote_nonnull_string`, `remote_string`,
 * `remote_uuid`, `remote_nonnull_domain`, `remote_domain` and the `remote_typed_param`
 * union. Each is a pair of small read/write functions over XdrReader/XdrWriter.
 */
import { XdrError } from "../errors";
import type { XdrReader } from "../xdr/reader";
import type { XdrWriter } from "../xdr/writer";
import { REMOTE_STRING_MAX, UUID_BYTES } from "./constants";

/** A domain handle: `remote_nonnull_domain { remote_nonnull_string name; remote_uuid uuid; int id; }`. */
export interface DomainRef {
  name: string;
  /** Canonical lower-case 8-4-4-4-12 form. */
  uuid: string;
  /** Running domain id, or -1 when inactive. */
  id: number;
}

/** `remote_nonnull_string` = `string<REMOTE_STRING_MAX>`. */
export function readNonnullString(r: XdrReader): string {
  return r.readString(REMOTE_STRING_MAX);
}

/** `remote_nonnull_string` = `string<REMOTE_STRING_MAX>`. */
export function writeNonnullString(w: XdrWriter, s: string): void {
  w.writeString(s, REMOTE_STRING_MAX);
}

/** `remote_string` = `remote_nonnull_string *` (null when absent). */
export function readRemoteString(r: XdrReader): string | null {
  return r.readOptional(readNonnullString);
}

/** `remote_string` = `remote_nonnull_string *`. */
export function writeRemoteString(w: XdrWriter, s: string | null): void {
  w.writeOptional(s, writeNonnullString);
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Parses a UUID string (with or without dashes) into the 16 raw bytes of `remote_uuid`. */
export function uuidToBytes(uuid: string): Buffer {
  if (!UUID_RE.test(uuid)) throw new XdrError("OUT_OF_RANGE", -1, `not a UUID: "${uuid}"`);
  return Buffer.from(uuid.replace(/-/g, ""), "hex");
}

/** Formats 16 raw `remote_uuid` bytes as canonical 8-4-4-4-12 lower-case hex. */
export function uuidFromBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `remote_uuid` = `opaque[VIR_UUID_BUFLEN]` (16 bytes, no length prefix). */
export function readUuid(r: XdrReader): string {
  return uuidFromBytes(r.readFixedOpaque(UUID_BYTES));
}

/** `remote_uuid` = `opaque[VIR_UUID_BUFLEN]`. */
export function writeUuid(w: XdrWriter, uuid: string): void {
  w.writeFixedOpaque(uuidToBytes(uuid), UUID_BYTES);
}

/** `remote_nonnull_domain { name; uuid; id; }`. */
export function readNonnullDomain(r: XdrReader): DomainRef {
  const name = readNonnullString(r);
  const uuid = readUuid(r);
  const id = r.readI32();
  return { name, uuid, id };
}

/** `remote_nonnull_domain { name; uuid; id; }`. */
export function writeNonnullDomain(w: XdrWriter, dom: DomainRef): void {
  writeNonnullString(w, dom.name);
  writeUuid(w, dom.uuid);
  w.writeI32(dom.id);
}

/** `remote_domain` = `remote_nonnull_domain *` (null = "all domains" in event registration). */
export function readRemoteDomain(r: XdrReader): DomainRef | null {
  return r.readOptional(readNonnullDomain);
}

/** `remote_domain` = `remote_nonnull_domain *`. */
export function writeRemoteDomain(w: XdrWriter, dom: DomainRef | null): void {
  w.writeOptional(dom, writeNonnullDomain);
}

/** virTypedParameterType: the discriminant of `remote_typed_param_value`. */
export const TypedParamType = {
  INT: 1, // VIR_TYPED_PARAM_INT → int i
  UINT: 2, // VIR_TYPED_PARAM_UINT → unsigned int ui
  LLONG: 3, // VIR_TYPED_PARAM_LLONG → hyper l
  ULLONG: 4, // VIR_TYPED_PARAM_ULLONG → unsigned hyper ul
  DOUBLE: 5, // VIR_TYPED_PARAM_DOUBLE → double d
  BOOLEAN: 6, // VIR_TYPED_PARAM_BOOLEAN → int b
  STRING: 7, // VIR_TYPED_PARAM_STRING → remote_nonnull_string s
} as const;

/** `remote_typed_param { remote_nonnull_string field; remote_typed_param_value value; }`. */
export type TypedParam =
  | { field: string; type: typeof TypedParamType.INT; value: number }
  | { field: string; type: typeof TypedParamType.UINT; value: number }
  | { field: string; type: typeof TypedParamType.LLONG; value: bigint }
  | { field: string; type: typeof TypedParamType.ULLONG; value: bigint }
  | { field: string; type: typeof TypedParamType.DOUBLE; value: number }
  | { field: string; type: typeof TypedParamType.BOOLEAN; value: boolean }
  | { field: string; type: typeof TypedParamType.STRING; value: string };

/** Decodes one `remote_typed_param`; an unknown discriminant is an XdrError. */
export function readTypedParam(r: XdrReader): TypedParam {
  const field = readNonnullString(r);
  const at = r.offset;
  const type = r.readI32();
  switch (type) {
    case TypedParamType.INT:
      return { field, type, value: r.readI32() };
    case TypedParamType.UINT:
      return { field, type, value: r.readU32() };
    case TypedParamType.LLONG:
      return { field, type, value: r.readHyper() };
    case TypedParamType.ULLONG:
      return { field, type, value: r.readUHyper() };
    case TypedParamType.DOUBLE:
      return { field, type, value: r.readDouble() };
    case TypedParamType.BOOLEAN:
      return { field, type, value: r.readI32() !== 0 };
    case TypedParamType.STRING:
      return { field, type, value: readNonnullString(r) };
    default:
      throw new XdrError("OUT_OF_RANGE", at, `unknown remote_typed_param_value type ${type}`);
  }
}

/** Encodes one `remote_typed_param`. */
export function writeTypedParam(w: XdrWriter, p: TypedParam): void {
  writeNonnullString(w, p.field);
  w.writeI32(p.type);
  switch (p.type) {
    case TypedParamType.INT:
      return void w.writeI32(p.value);
    case TypedParamType.UINT:
      return void w.writeU32(p.value);
    case TypedParamType.LLONG:
      return void w.writeHyper(p.value);
    case TypedParamType.ULLONG:
      return void w.writeUHyper(p.value);
    case TypedParamType.DOUBLE:
      return void w.writeDouble(p.value);
    case TypedParamType.BOOLEAN:
      return void w.writeI32(p.value ? 1 : 0);
    case TypedParamType.STRING:
      return void writeNonnullString(w, p.value);
  }
}

/** `remote_typed_param params<max>`. */
export function readTypedParams(r: XdrReader, max: number): TypedParam[] {
  return r.readArray(readTypedParam, max);
}

/** The string value of `field` in a typed-param list, or undefined if absent/not a string. */
export function typedParamString(params: readonly TypedParam[], field: string): string | undefined {
  const p = params.find((x) => x.field === field);
  return p?.type === TypedParamType.STRING ? p.value : undefined;
}
