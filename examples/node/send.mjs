#!/usr/bin/env node
// Sends free text with a secret key and prints the message's status until it is final.
//
//   MESSAGEJS_SECRET_KEY=sk_… node send.mjs [to] [text]
//
// MESSAGEJS_RELAY_URL defaults to http://localhost:8787 (`pnpm start`). Exits 0 when the message
// is delivered (or read), 1 with the error code otherwise.
import { createClient, isMessageJSError } from '@messagejs/client';

const FINAL = ['delivered', 'read', 'failed', 'undelivered', 'canceled', 'expired'];
const POLL_MS = 500;
const GIVE_UP_MS = 60_000;

const secretKey = process.env.MESSAGEJS_SECRET_KEY;
const relayUrl = process.env.MESSAGEJS_RELAY_URL || 'http://localhost:8787';
const to = process.argv[2] || '+212612345678';
const text = process.argv[3] || 'Hello from the MessageJS Node example.';

if (!secretKey) {
  console.error(
    "error: set MESSAGEJS_SECRET_KEY to a secret key (sk_…); the first `pnpm start` prints the demo project's.",
  );
  process.exit(1);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const relay = createClient({ secretKey, relayUrl });
  const sent = await relay.messages.send({ to, text, channel: 'sms' });
  console.log(`sent ${sent.id} to ${to} via ${relayUrl}`);
  console.log(`status: ${sent.status}`);

  let message = sent;
  const deadline = Date.now() + GIVE_UP_MS;
  while (!FINAL.includes(message.status)) {
    if (Date.now() > deadline) {
      console.error(`error: timeout — message ${sent.id} is still ${message.status} after ${GIVE_UP_MS / 1000} s`);
      process.exit(1);
    }
    await sleep(POLL_MS);
    const previous = message.status;
    message = await relay.messages.get(sent.id);
    if (message.status !== previous) console.log(`status: ${message.status}`);
  }

  console.log(`final status: ${message.status}`);
  if (message.status !== 'delivered' && message.status !== 'read') {
    console.error(
      `error: ${message.errorCode ?? message.status}${message.errorMessage ? ` — ${message.errorMessage}` : ''}`,
    );
    process.exit(1);
  }
} catch (error) {
  if (isMessageJSError(error)) {
    console.error(`error: ${error.code}${error.field ? ` (${error.field})` : ''} — ${error.message}`);
  } else {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}
