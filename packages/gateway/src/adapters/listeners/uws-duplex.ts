// A node Duplex over a uWebSockets.js WebSocket, so aedes.handle(stream) can serve MQTT over WebSocket.
// Outbound backpressure: a write completes only once ws.getBufferedAmount() is under the high-water
// mark (otherwise on the next `drain`). Inbound: uWS cannot pause a WebSocket, so a connection whose
// unread input exceeds `maxInboundBuffered` is closed (aedes stops reading while sink acks are pending).
import { Duplex } from 'node:stream';
import type { WebSocket } from '@trufflesuite/uws-js-unofficial';

export interface UwsDuplexOptions {
  highWaterMark?: number;
  maxInboundBuffered?: number;
}

export class UwsDuplex<U = unknown> extends Duplex {
  remoteAddress: string;
  private wsOpen = true;
  private pendingWrite: (() => void) | null = null;
  private readonly hwm: number;
  private readonly maxIn: number;

  constructor(
    private readonly ws: WebSocket<U>,
    remoteAddress: string,
    o: UwsDuplexOptions = {},
  ) {
    super({ allowHalfOpen: false });
    this.remoteAddress = remoteAddress;
    this.hwm = o.highWaterMark ?? 256 * 1024;
    this.maxIn = o.maxInboundBuffered ?? 4 * 1024 * 1024;
  }

  /** From the uWS `message` handler: the ArrayBuffer is only valid during the call, so copy it. */
  onMessage(msg: ArrayBuffer): void {
    if (this.destroyed) return;
    this.push(Buffer.from(new Uint8Array(msg)));
    if (this.readableLength > this.maxIn) this.destroy(new Error(`websocket inbound buffer over ${this.maxIn} bytes`));
  }

  /** From the uWS `drain` handler. */
  onDrain(): void {
    if (this.pendingWrite && this.ws.getBufferedAmount() < this.hwm) {
      const cb = this.pendingWrite;
      this.pendingWrite = null;
      cb();
    }
  }

  /** From the uWS `close` handler: the WebSocket must not be touched afterwards. */
  onClose(): void {
    this.wsOpen = false;
    const cb = this.pendingWrite;
    this.pendingWrite = null;
    cb?.();
    this.push(null);
    this.destroy();
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.wsOpen) return cb(new Error('websocket closed'));
    const status = this.ws.send(chunk, true, false);
    if (status === 2) return cb(new Error('websocket send dropped (backpressure limit)'));
    if (this.ws.getBufferedAmount() < this.hwm) return cb();
    this.pendingWrite = () => cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.wsOpen) {
      this.wsOpen = false;
      this.ws.end(1000);
    }
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.wsOpen) {
      this.wsOpen = false;
      try {
        this.ws.end(err ? 1011 : 1000);
      } catch {
        // already closed by the peer
      }
    }
    cb(err);
  }
}
