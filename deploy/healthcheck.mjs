// The image's HEALTHCHECK (and run-as-processes.sh's readiness wait): exits 0 when the relay, or a
// worker's health listener, answers 200 on /readyz, 1 otherwise. Node's own fetch: the slim image
// has no curl. The port is HEALTH_PORT, else PORT, else 8787; the host HEALTH_HOST, else 127.0.0.1.
const host = process.env.HEALTH_HOST || '127.0.0.1';
const port = process.env.HEALTH_PORT || process.env.PORT || '8787';
try {
  const res = await fetch(`http://${host}:${port}/readyz`, { signal: AbortSignal.timeout(2500) });
  process.exit(res.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
