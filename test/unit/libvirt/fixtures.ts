/**
 * Byte fixtures for libvirt RPC tests, written independently of the encoders under test
 * (field by field, one comment each) so the tests compare against the spec, not the code.
 * Spec: remote_protocol.x, virnetprotocol.x.
 */
import type { DomainRef } from "../../../provider/libvirt/protocol/types";

/** A domain handle used across tests. */
export const DOM: DomainRef = {
  name: "rpcproto-vcpu-test",
  uuid: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
  id: 5,
};

/** `remote_nonnull_domain` of {@link DOM}: 4 + 18 + 2 (pad) + 16 + 4 = 44 bytes. */
export const DOM_BYTES = Buffer.from([
  0x00, 0x00, 0x00, 0x12, // name length 18
  ...Buffer.from("rpcproto-vcpu-test"), // name bytes
  0x00, 0x00, // padding to 4
  0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, // uuid bytes 0-7
  0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0, // uuid bytes 8-15
  0x00, 0x00, 0x00, 0x05, // id 5
]);

/** Concatenates byte arrays / numbers-as-u32 into one Buffer (test builder). */
export function bytes(...parts: Array<Buffer | number[]>): Buffer {
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
}

/** Big-endian u32 as 4 bytes. */
export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

/** XDR string: length, bytes, zero padding. */
export function xstr(s: string): Buffer {
  const raw = Buffer.from(s, "utf8");
  return Buffer.concat([u32(raw.length), raw, Buffer.alloc((4 - (raw.length % 4)) % 4)]);
}
