// The gateway's QoS 1 msg/s on this box (PUBACK after the Kafka ack; the clients of gateway-throughput), the
// baseline the scorer benches compare with: (c) with the small bench batch, (c') with `payload` = RECORD_30S,
// messages the size of the scorer's records. Needs the stack (FW_KAFKA_BROKERS etc.).
import { benchClients, startBenchGateway } from './lib-brokers.js';
import { runLoad } from './lib-load.js';
import type { PayloadShape } from './lib-payload.js';

/** Env: FW_BENCH_GW_CLIENTS (20), FW_BENCH_GW_MESSAGES (1000 per client), FW_BENCH_GW_WINDOW (16 in flight). */
export async function gatewayRate(payload?: PayloadShape, tag = 'rt'): Promise<number> {
  const b = await startBenchGateway();
  try {
    const clients = Number(process.env.FW_BENCH_GW_CLIENTS ?? 20);
    const per = Number(process.env.FW_BENCH_GW_MESSAGES ?? 1000);
    const r = await runLoad({
      mode: 'publish',
      host: '127.0.0.1',
      port: b.port,
      clients: benchClients(b, clients, tag),
      perClient: per,
      window: Number(process.env.FW_BENCH_GW_WINDOW ?? 16),
      payload,
    });
    if (r.acked !== clients * per) throw new Error(`gateway run incomplete: ${r.acked}/${clients * per}`);
    return r.rate;
  } finally {
    await b.close();
  }
}
