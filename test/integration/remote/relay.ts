/**
 * A unix-socket relay in front of libvirtd's socket, for link-loss tests: the far side of an ssh
 * transport is pointed at it with `socket=`, and the test can hold traffic (a call is then in flight
 * and never reaches libvirtd) or drop every connection.
 */
import * as net from "node:net";
import { join } from "node:path";

/** A running relay (see the file comment). */
export interface SocketRelay {
  path: string;
  /** Connections accepted so far. */
  accepted(): number;
  /** From now on, bytes towards libvirtd are kept back (not forwarded). */
  hold(): void;
  /** Destroys every relayed connection (both sides). */
  dropAll(): void;
  close(): Promise<void>;
}

/** Starts a relay at `dir`/relay.sock forwarding to `target` (default libvirtd's socket). */
export async function startRelay(dir: string, target = "/run/libvirt/libvirt-sock"): Promise<SocketRelay> {
  const path = join(dir, "relay.sock");
  const pairs = new Set<[net.Socket, net.Socket]>();
  let held = false;
  let count = 0;
  const server = net.createServer((client) => {
    count += 1;
    const daemon = net.createConnection({ path: target });
    const pair: [net.Socket, net.Socket] = [client, daemon];
    pairs.add(pair);
    client.on("data", (chunk) => {
      if (!held) daemon.write(chunk);
    });
    daemon.pipe(client);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      daemon.destroy();
    };
    client.on("close", end).on("error", end);
    daemon.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    accepted: () => count,
    hold: () => void (held = true),
    dropAll: () => {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
    },
    close: () => new Promise<void>((resolve) => {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      server.close(() => resolve());
    }),
  };
}
