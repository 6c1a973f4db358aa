// run-as-processes.sh's end-to-end check: sends a message through one relay with a secret key,
// then reads it through the other until the worker has delivered it (the demo project's console
// connector). Usage: node deploy/smoke.mjs <relay-1 url> <relay-2 url> <secret key>
const [first, second, key] = process.argv.slice(2);
if (!first || !second || !key) {
  console.error('usage: node deploy/smoke.mjs <relay-1 url> <relay-2 url> <secret key>');
  process.exit(2);
}
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const body = { template: 'order_update', to: '+212612345678', params: { order: 'A-1001', eta: 'tomorrow' } };
const sent = await fetch(`${first}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
const accepted = await sent.json();
if (sent.status !== 202) {
  console.error(`POST ${first}/v1/messages answered ${sent.status}: ${JSON.stringify(accepted)}`);
  process.exit(1);
}
const started = performance.now();
for (;;) {
  const res = await fetch(`${second}/v1/messages/${accepted.id}`, { headers });
  const message = await res.json();
  if (res.status === 200 && message.status !== 'queued') {
    const ms = Math.round(performance.now() - started);
    console.log(`${accepted.id}: sent through ${first}, ${message.status} as read through ${second} after ${ms} ms`);
    process.exit(['sent', 'delivered'].includes(message.status) ? 0 : 1);
  }
  if (performance.now() - started > 15_000) {
    console.error(`${accepted.id} was not delivered within 15 s: ${res.status} ${JSON.stringify(message)}`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
