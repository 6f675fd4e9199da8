/**
 * A loopback TCP relay for transport tests: listens on `listenHost` (any 127.x address),
 * forwards to 127.0.0.1:`targetPort`, and can swallow traffic (a call stays in flight) or be
 * cut (every connection destroyed at once), like a link that drops.
 */
import * as net from "node:net";

/** A running relay. */
export interface Relay {
  /** The port it listens on. */
  port: number;
  /** Stop forwarding client → server bytes (the server never sees later calls). */
  blackhole(): void;
  /** Bytes swallowed since {@link blackhole}. */
  swallowed(): number;
  /** Destroy every relayed connection now. */
  cut(): void;
  /** cut() and stop listening. */
  close(): Promise<void>;
}

/** Starts a relay `listenHost:<free port>` → `127.0.0.1:targetPort`. */
export async function startRelay(targetPort: number, listenHost = "127.0.0.1"): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  let swallow = false;
  let swallowed = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => (s === client ? upstream : client).destroy());
    }
    client.on("data", (d) => {
      if (!swallow) upstream.write(d);
      else swallowed += d.length;
    });
    upstream.pipe(client);
    client.on("end", () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const cut = (): void => {
    for (const s of sockets) s.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    blackhole: () => (swallow = true),
    swallowed: () => swallowed,
    cut,
    close: () => {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
