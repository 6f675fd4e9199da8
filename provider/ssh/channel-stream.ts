/**
 * Wraps a forwarded channel of the in-process ssh client so that the end of the link is a
 * typed error: the channel or the ssh connection closing before we ended our side destroys the
 * stream with the error `lost()` makes (pending calls then fail at once with it as the cause).
 * Destroying the stream closes the channel, and the ssh connection too when the stream owns it
 * (one channel per connection, qemu+libssh); a shared connection (QMP over SSH: monitor and
 * agent channels on one connection) stays open for its other channels.
 */
import { Duplex } from "node:stream";
import type { Client, ClientChannel } from "ssh2";

/** See the file comment. */
export class ChannelStream extends Duplex {
  private ending = false;
  private eof = false;
  private readonly onClientError = (err: Error): void => void this.destroy(this.lost(err.message, err));
  private readonly onClientClose = (): void => this.farEnd("the ssh connection closed");

  constructor(
    private readonly channel: ClientChannel,
    private readonly client: Client,
    private readonly lost: (why: string, cause?: Error) => Error,
    /** Whether destroying this stream also ends the ssh connection (default true). */
    private readonly ownsClient = true,
  ) {
    super();
    channel.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) channel.pause();
    });
    channel.on("end", () => this.farEnd("the forwarded channel was closed by the far side"));
    channel.on("close", () => this.farEnd("the forwarded channel closed"));
    channel.on("error", (err: Error) => this.destroy(this.lost(`channel error: ${err.message}`, err)));
    client.on("error", this.onClientError);
    client.on("close", this.onClientClose);
  }

  /** Keeps the process alive (net.Socket.ref of the ssh connection's socket). */
  ref(): this {
    (this.client as unknown as { _sock?: { ref?: () => void } })._sock?.ref?.();
    return this;
  }

  /** Lets the process exit while idle (net.Socket.unref of the ssh connection's socket). */
  unref(): this {
    (this.client as unknown as { _sock?: { unref?: () => void } })._sock?.unref?.();
    return this;
  }

  override _read(): void {
    this.channel.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.channel.write(chunk, () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.ending = true;
    this.channel.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.client.off("error", this.onClientError);
    this.client.off("close", this.onClientClose);
    this.channel.destroy();
    if (this.ownsClient) this.client.end();
    done(err);
  }

  private farEnd(why: string): void {
    if (this.destroyed || this.eof) return;
    this.eof = this.ending;
    if (this.ending) this.push(null);
    else this.destroy(this.lost(why));
  }
}
