#!/usr/bin/env node
// What your backend does with the token `messagejs.verify.check()` gave the browser: check the
// relay's signature against the project's public keys (JWKS), the issuer, the audience and the
// expiry — offline after the first fetch — and only then trust "this number was verified".
//
//   MESSAGEJS_PROJECT_ID=prj_… node verify-token.mjs <token>
//
// MESSAGEJS_RELAY_URL defaults to http://localhost:8787; the issuer is the relay's public URL
// (MESSAGEJS_PUBLIC_URL on the relay), which is that same address unless the relay sets another.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const relayUrl = process.env.MESSAGEJS_RELAY_URL || 'http://localhost:8787';
const issuer = process.env.MESSAGEJS_ISSUER || relayUrl;
const projectId = process.env.MESSAGEJS_PROJECT_ID;
const token = process.argv[2];

if (!projectId || !token) {
  console.error('usage: MESSAGEJS_PROJECT_ID=prj_… node verify-token.mjs <token>');
  process.exit(1);
}

// Keep one JWKS per process: jose caches the keys and refetches when it meets a new `kid`.
const jwks = createRemoteJWKSet(new URL(`/v1/projects/${projectId}/jwks.json`, relayUrl));

try {
  const { payload } = await jwtVerify(token, jwks, { issuer, audience: projectId, algorithms: ['ES256'] });
  console.log(`verified ${payload.sub} by ${payload.channel} (session ${payload.sid})`);
} catch (error) {
  console.error(`error: ${error.code ?? 'invalid'} — ${error.message}`);
  process.exit(1);
}
