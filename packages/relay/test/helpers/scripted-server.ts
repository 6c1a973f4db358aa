import http from 'node:http';

/** A local HTTP receiver that answers from a script of statuses (the last one repeats), recording each request. */
export async function scriptedServer(statuses: number[], options: { delayMs?: number } = {}) {
  const requests: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    const respond = () => {
      const status = statuses[Math.min(requests.length - 1, statuses.length - 1)]!;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status < 300 ? { id: `rcv_${requests.length}` } : { error: 'scripted' }));
    };
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      if (options.delayMs) setTimeout(respond, options.delayMs);
      else respond();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
