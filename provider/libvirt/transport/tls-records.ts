/**
 * One write, one TLS record. While one write is in flight, Node queues the next ones and
 * then hands them to `_writev`, which a TLSSocket turns into a single SSL_write: several RPC
 * frames end up in ONE TLS record. libvirtd (gnutls, 9.0) reads one frame, leaves the rest
 * of that record in gnutls's buffer where poll() does not see it, and the remaining calls
 * hang until more bytes arrive (measured: 100 concurrent calls over qemu+tls, no reply in 5 s).
 * Without `_writev` the Writable writes queued chunks one by one: one SSL_write, hence one
 * record (≤ 16 KiB each), per frame. libvirt's own client also writes one message at a time.
 */
import type { TLSSocket } from "node:tls";

/** Makes `sock` write each chunk with its own SSL_write (its own TLS record); returns it. */
export function oneRecordPerWrite(sock: TLSSocket): TLSSocket {
  // A Writable whose `_writev` is falsy flushes its queue one chunk at a time (node:stream).
  Object.defineProperty(sock, "_writev", { value: null, configurable: true, writable: true });
  return sock;
}
