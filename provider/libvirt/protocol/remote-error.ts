/**
 * Decoder for `struct remote_error` (remote_protocol.x), the payload of every REPLY
 * with status ERROR. virNetMessageError (virnetprotocol.x) has the identical layout:
 *
 * ```
 * struct remote_error {
 *   int code; int domain; remote_string message; int level;
 *   remote_domain dom; remote_string str1; remote_string str2; remote_string str3;
 *   int int1; int int2; remote_network net;
 * };
 * ```
 */
import type { RemoteErrorFields } from "../errors";
import { XdrReader } from "../xdr/reader";
import { readNonnullString, readRemoteDomain, readRemoteString, readUuid } from "./types";

/** Decoded `remote_error`, including the rarely-set `dom` and `net` members. */
export interface RemoteError extends RemoteErrorFields {
  dom: { name: string; uuid: string; id: number } | null;
  net: { name: string; uuid: string } | null;
}

/** `remote_network` = `remote_nonnull_network *` where the struct is `{ name; uuid; }`. */
function readRemoteNetwork(r: XdrReader): { name: string; uuid: string } | null {
  return r.readOptional((rr) => ({ name: readNonnullString(rr), uuid: readUuid(rr) }));
}

/** Decodes a whole `remote_error` payload; throws XdrError on malformed input. */
export function decodeRemoteError(payload: Buffer): RemoteError {
  const r = new XdrReader(payload);
  const code = r.readI32();
  const domain = r.readI32();
  const message = readRemoteString(r);
  const level = r.readI32();
  const dom = readRemoteDomain(r);
  const str1 = readRemoteString(r);
  const str2 = readRemoteString(r);
  const str3 = readRemoteString(r);
  const int1 = r.readI32();
  const int2 = r.readI32();
  const net = readRemoteNetwork(r);
  r.end();
  return { code, domain, message, level, dom, str1, str2, str3, int1, int2, net };
}
