// An open-loop load at a steady rate, for latency below saturation: request i is due at
// start + i / rate, spread evenly over time and round-robin over the URLs, whatever the answers
// before it did. Its latency counts from when it was due, not from when a socket was free, so a
// stalled server is not hidden by the generator waiting for it (coordinated omission).
// autocannon's overallRate sends each second's share in a burst at the start of the second,
// which measures the latency of bursts that saturate the server for a moment.
import http from 'node:http';

/**
 * Sends `rate` POST requests a second to `urls` for `durationS` seconds.
 * @returns {Promise<{ reqPerSec: number, total: number, '2xx': number, non2xx: number, errors: number,
 *   latencyMs: { p50: number, p90: number, p99: number, max: number, avg: number } }>}
 */
export async function pacedLoad(urls, { rate, durationS, headers, body, onBody, maxSockets = 256 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const targets = urls.map((u) => new URL(u));
  const latencies = [];
  const counts = { '2xx': 0, non2xx: 0, errors: 0 };
  const total = Math.round(rate * durationS);
  const start = performance.now();
  const pending = new Set();
  const send = (i) => {
    const due = start + (i * 1000) / rate;
    const url = targets[i % targets.length];
    const done = new Promise((resolve) => {
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => {
            latencies.push(performance.now() - due);
            if (res.statusCode >= 200 && res.statusCode < 300) counts['2xx'] += 1;
            else counts.non2xx += 1;
            onBody?.(res.statusCode, text);
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        counts.errors += 1;
        resolve();
      });
      req.end(body);
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  let next = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / rate <= now) send(next++);
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + (next * 1000) / rate - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  const wallS = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    reqPerSec: latencies.length / wallS,
    total,
    ...counts,
    latencyMs: {
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: latencies.at(-1) ?? NaN,
      avg: latencies.reduce((n, v) => n + v, 0) / (latencies.length || 1),
    },
  };
}
