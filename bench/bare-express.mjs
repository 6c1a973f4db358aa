// The reference server of the HTTP benchmark: a bare Express 5 app — `express.json()` and one
// route answering 202 with a small JSON body shaped like the relay's — and nothing else (no
// helmet, auth, limits, validation or storage). bench/relay-http.mjs runs it as a child process:
//   node bench/bare-express.mjs --port 8788
// It binds 127.0.0.1 only, prints one "listening" line and exits on SIGTERM/SIGINT.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

// The very Express the relay uses (installed in packages/relay, not at the root). This file
// deliberately does not import ./lib.mjs: that installs the harness's signal handlers.
const express = createRequire(new URL('../packages/relay/package.json', import.meta.url))('express');
const HOST = '127.0.0.1';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;

const app = express();
app.use(express.json());
const prefix = `msg_${randomBytes(6).toString('hex')}`;
let counter = 0;
app.post('/v1/messages', (req, res) => {
  res.status(202).json({
    id: `${prefix}${++counter}`,
    status: 'queued',
    channel: 'sms',
    segments: 1,
    encoding: 'GSM-7',
    createdAt: new Date().toISOString(),
  });
});
// The inbound benchmark's reference (bench/inbound.mjs): a provider's form POST, parsed, answered
// with an empty TwiML response, and nothing else (no signature check, no storage).
app.post('/v1/hooks/:connectorId', express.urlencoded({ extended: false }), (req, res) => {
  res.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response/>');
});
app.get('/healthz', (req, res) => {
  res.json({ ok: true });
});

const server = app.listen(port, HOST, (error) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  console.log(`bare express listening on http://${HOST}:${server.address().port}`);
});

const stop = () => {
  server.closeIdleConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
