/**
 * The shape of one RPC procedure: program/procedure numbers, its wire name, an args
 * encoder (`*_args` struct) and a ret decoder (`*_ret` struct). The RPC layer only
 * moves bytes; the client pairs a {@link Procedure} with `encodeArgs`/`decodeRet`.
 */
import { XdrReader } from "../xdr/reader";
import { XdrWriter } from "../xdr/writer";

/** One procedure of remote_protocol.x / qemu_protocol.x with its args and ret codecs. */
export interface Procedure<A, R> {
  /** Program number (REMOTE_PROGRAM or QEMU_PROGRAM). */
  readonly program: number;
  /** Procedure number from the program's procedure enum. */
  readonly proc: number;
  /** Wire name, e.g. "REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS". */
  readonly name: string;
  /** Writes the `*_args` struct (nothing for void args). */
  readonly writeArgs: (w: XdrWriter, args: A) => void;
  /** Reads the `*_ret` struct (nothing for void ret). */
  readonly readRet: (r: XdrReader) => R;
}

/** Void args/ret helpers for procedures whose `*_args` or `*_ret` is absent. */
export const noArgs = (): void => undefined;
/** Reads a void `*_ret` (an empty payload). */
export const voidRet = (): void => undefined;

/** Encodes `args` into the CALL payload for `p`. */
export function encodeArgs<A, R>(p: Procedure<A, R>, args: A): Buffer {
  const w = new XdrWriter();
  p.writeArgs(w, args);
  return w.finish();
}

/** Decodes a REPLY/OK payload for `p`; the payload must be consumed exactly. */
export function decodeRet<A, R>(p: Procedure<A, R>, payload: Buffer): R {
  const r = new XdrReader(payload);
  const ret = p.readRet(r);
  r.end();
  return ret;
}
