/**
 * The 28-byte frame prefix of every libvirt RPC message: a u32 length word that counts
 * the WHOLE frame including itself, then `virNetMessageHeader` (virnetprotocol.x):
 *
 * ```
 * off size field
 * 0   4    len     u32  = 28 + payload length
 * 4   4    prog    u32  program number
 * 8   4    vers    u32  program version (1)
 * 12  4    proc    i32  procedure number
 * 16  4    type    i32  virNetMessageType
 * 20  4    serial  u32  CALL: client-chosen; REPLY: echoes the CALL; MESSAGE: 0
 * 24  4    status  i32  virNetMessageStatus
 * ```
 */
import { ProtocolError } from "../errors";
import { FRAME_MAX, HEADER_BYTES, MessageStatus, MessageType, PROTOCOL_VERSION } from "./constants";

/** Decoded `virNetMessageHeader` plus the frame's length word. */
export interface FrameHeader {
  /** Total frame bytes including the length word. */
  length: number;
  prog: number;
  vers: number;
  proc: number;
  type: number;
  serial: number;
  status: number;
}

/** Header fields a sender chooses (length is computed). */
export type OutgoingHeader = Omit<FrameHeader, "length">;

/** Encodes one whole frame: length word, header, payload. */
export function encodeFrame(header: OutgoingHeader, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const length = HEADER_BYTES + payload.length;
  if (length > FRAME_MAX) throw new ProtocolError(`frame of ${length} bytes exceeds ${FRAME_MAX}`);
  const frame = Buffer.allocUnsafe(length);
  frame.writeUInt32BE(length, 0);
  frame.writeUInt32BE(header.prog, 4);
  frame.writeUInt32BE(header.vers, 8);
  frame.writeInt32BE(header.proc, 12);
  frame.writeInt32BE(header.type, 16);
  frame.writeUInt32BE(header.serial, 20);
  frame.writeInt32BE(header.status, 24);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

/** Decodes the 28-byte prefix of a whole frame; throws ProtocolError if inconsistent. */
export function decodeHeader(frame: Buffer): FrameHeader {
  if (frame.length < HEADER_BYTES) {
    throw new ProtocolError(`frame of ${frame.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  }
  const length = frame.readUInt32BE(0);
  if (length !== frame.length) {
    throw new ProtocolError(`frame length word ${length} does not match ${frame.length} bytes`);
  }
  return {
    length,
    prog: frame.readUInt32BE(4),
    vers: frame.readUInt32BE(8),
    proc: frame.readInt32BE(12),
    type: frame.readInt32BE(16),
    serial: frame.readUInt32BE(20),
    status: frame.readInt32BE(24),
  };
}

/** The payload (XDR body) of a whole frame, as a view. */
export function framePayload(frame: Buffer): Buffer {
  return frame.subarray(HEADER_BYTES);
}

/** Header of a CALL to `prog`/`proc` with `serial`. */
export function callHeader(prog: number, proc: number, serial: number): OutgoingHeader {
  return { prog, vers: PROTOCOL_VERSION, proc, type: MessageType.CALL, serial, status: MessageStatus.OK };
}

/** Header of an async MESSAGE (events, keepalive): serial 0, status OK. */
export function messageHeader(prog: number, proc: number): OutgoingHeader {
  return { prog, vers: PROTOCOL_VERSION, proc, type: MessageType.MESSAGE, serial: 0, status: MessageStatus.OK };
}
