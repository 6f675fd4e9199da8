/**
 * A loopback relay for transport fault tests: listens on a unix socket or a 127.x address,
 * forwards each connection to a unix socket (libvirtd's) or a loopback TCP port, and can hold
 * a call in flight (client → daemon bytes swallowed), freeze the link (both directions
 * swallowed, nothing closed: a silent dead path), or drop every connection at once.
 */
import * as net from "node:net";

/** Where a relay forwards to: a unix socket path, or a loopback TCP port. */
export type Target = { readonly path: string } | { readonly port: number };
/** Where a relay listens: a unix socket path, or a free port on a loopback address. */
export type Listen = { readonly path: string } | { readonly host: string };

/** A running relay. */
export interface Relay {
  /** The unix path it listens on ("" for a TCP listener). */
  readonly path: string;
  /** The TCP port it listens on (0 for a unix listener). */
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** From now on, bytes towards the daemon are swallowed (a call stays in flight). */
  hold(): void;
  /** From now on, bytes in both directions are swallowed; nothing is closed. */
  freeze(): void;
  /** Bytes swallowed towards the daemon since {@link hold} or {@link freeze}. */
  swallowed(): number;
  /** The accepted client sockets, in order. */
  clients(): readonly net.Socket[];
  /** Destroys every relayed connection (both sides) now. */
  dropAll(): void;
  /** dropAll() and stop listening. */
  close(): Promise<void>;
}

const connectTo = (t: Target): net.Socket => ("path" in t ? net.createConnection({ path: t.path }) : net.connect(t.port, "127.0.0.1"));

/** Starts a relay from `listen` to `target`. */
export async function startRelay(listen: Listen, target: Target): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const accepted: net.Socket[] = [];
  let mode: "flow" | "hold" | "freeze" = "flow";
  let swallowed = 0;
  const server = net.createServer((client) => {
    accepted.push(client);
    const daemon = connectTo(target);
    for (const s of [client, daemon]) sockets.add(s);
    client.on("data", (chunk: Buffer) => {
      if (mode === "flow") daemon.write(chunk);
      else swallowed += chunk.length;
    });
    daemon.on("data", (chunk: Buffer) => {
      if (mode !== "freeze") client.write(chunk);
    });
    client.on("end", () => daemon.end());
    const end = (): void => {
      sockets.delete(client);
      sockets.delete(daemon);
      client.destroy();
      daemon.destroy();
    };
    for (const s of [client, daemon]) s.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => ("path" in listen ? server.listen(listen.path, resolve) : server.listen(0, listen.host, resolve)));
  const dropAll = (): void => {
    for (const s of sockets) s.destroy();
  };
  const address = server.address();
  return {
    path: "path" in listen ? listen.path : "",
    port: typeof address === "object" && address ? address.port : 0,
    accepted: () => accepted.length,
    hold: () => void (mode = "hold"),
    freeze: () => void (mode = "freeze"),
    swallowed: () => swallowed,
    clients: () => accepted,
    dropAll,
    close: () => new Promise<void>((resolve) => {
      dropAll();
      server.close(() => resolve());
    }),
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on (just freed). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
