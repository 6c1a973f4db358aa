import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery a counting provider received: the message id, when it arrived and when it was answered. */
export interface Delivery {
  id: string;
  receivedAt: number;
  answeredAt: number | null;
}

/**
 * A webhook receiver for load tests: it keeps only the message id of each POST (the webhook
 * connector's JSON `id`) with its arrival and answer times, and answers `200` after `delayMs`.
 */
export interface CountingProvider {
  url: string;
  deliveries: Delivery[];
  close(): Promise<void>;
}

export async function startCountingProvider(delayMs: number): Promise<CountingProvider> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
      const delivery: Delivery = { id, receivedAt: Date.now(), answeredAt: null };
      deliveries.push(delivery);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `rcv_${id}` }), () => (delivery.answeredAt = Date.now()));
      }, delayMs).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
