/**
 * Network impairment for simulated devices: one loopback TCP forwarder per device in front of the
 * gateway. `cut(id)` drops the device's live connections (connection churn; the SDK reconnects on its
 * own), `setOffline(id, true)` also refuses new ones until set back. Works for every transport the SDK
 * speaks (mqtt, mqtts, ws, wss) because it forwards bytes.
 */
import net from 'node:net';

export interface ShaperStats {
  cuts: number;
  refused: number;
  connections: number;
}

interface DevicePort {
  server: net.Server;
  port: number;
  offline: boolean;
  sockets: Set<net.Socket>;
}

export class NetworkShaper {
  private readonly devices = new Map<string, DevicePort>();
  readonly stats: ShaperStats = { cuts: 0, refused: 0, connections: 0 };

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Opens a forwarder for the device; returns its loopback port. */
  async addDevice(id: string): Promise<number> {
    const existing = this.devices.get(id);
    if (existing) return existing.port;
    const dev: DevicePort = { server: net.createServer(), port: 0, offline: false, sockets: new Set() };
    dev.server.on('connection', (client) => this.forward(dev, client));
    await new Promise<void>((resolve, reject) => {
      dev.server.once('error', reject);
      dev.server.listen(0, '127.0.0.1', () => resolve());
    });
    dev.server.on('error', () => undefined);
    dev.port = (dev.server.address() as net.AddressInfo).port;
    this.devices.set(id, dev);
    return dev.port;
  }

  private forward(dev: DevicePort, client: net.Socket): void {
    client.on('error', () => undefined);
    if (dev.offline) {
      this.stats.refused++;
      client.destroy();
      return;
    }
    this.stats.connections++;
    const upstream = net.connect(this.targetPort, this.targetHost);
    upstream.on('error', () => undefined);
    const pair = [client, upstream];
    for (const s of pair) {
      dev.sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => {
        dev.sockets.delete(s);
        for (const o of pair) o.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops the device's live connections. Returns false when it had none. */
  cut(id: string): boolean {
    const dev = this.devices.get(id);
    if (!dev || dev.sockets.size === 0) return false;
    this.stats.cuts++;
    for (const s of dev.sockets) s.destroy();
    return true;
  }

  setOffline(id: string, offline: boolean): void {
    const dev = this.devices.get(id);
    if (!dev) return;
    dev.offline = offline;
    if (offline) for (const s of dev.sockets) s.destroy();
  }

  isOffline(id: string): boolean {
    return this.devices.get(id)?.offline ?? false;
  }

  async close(): Promise<void> {
    const all = [...this.devices.values()];
    this.devices.clear();
    await Promise.all(
      all.map(
        (d) =>
          new Promise<void>((resolve) => {
            for (const s of d.sockets) s.destroy();
            d.server.close(() => resolve());
          }),
      ),
    );
  }
}
