import type dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import {
  bareHost,
  isRefusedAddress,
  parseTargetUrl,
  systemLookup,
  type LookupFn,
  type TargetPolicy,
} from './target-policy.js';

/** Why a webhook got no HTTP status (see `PostResult.error`). */
export type PostError = 'timeout' | 'refused_address' | 'invalid_url' | 'dns' | 'connection' | 'tls' | 'aborted';

/** The outcome of one webhook POST: what the receiver answered, or why it could not. */
export interface PostResult {
  /** A 2xx answer. */
  ok: boolean;
  /** The receiver's HTTP status, null when none came. */
  status: number | null;
  /** Milliseconds from the call to the end of reading the answer (or the failure). */
  latencyMs: number;
  /** The first `maxResponseBytes` of the answer's body, as UTF-8 text ('' when none). */
  body: string;
  /**
   * Why it failed when no status tells, null when a status came: `timeout` (the deadline passed
   * first), `refused_address` (not a public address, nor allowed), `invalid_url`, `dns` (the
   * name did not resolve), `connection` (refused, reset, closed), `tls` (the handshake failed:
   * an untrusted or expired certificate, a name mismatch), `aborted` (the caller's `signal`).
   */
  error: PostError | null;
  /**
   * Whether a later attempt may succeed: false for failures a retry cannot fix (a refused
   * address, an invalid URL), and for a 2xx (nothing to retry). A 3xx (redirects are never
   * followed) and every other non-2xx answer or failure are retryable.
   */
  retryable: boolean;
}

/** One signed event to deliver: the body is sent as is. */
export interface WebhookRequest {
  url: string;
  /** Extra headers (the signature's); `content-type`, `user-agent` and `content-length` are the relay's. */
  headers: Record<string, string>;
  body: string;
}

/** How to deliver: where the relay may connect, and how long and how much it reads. */
export interface PostOptions {
  policy: TargetPolicy;
  /** One deadline for the whole exchange: DNS, connect, TLS, headers and body. @default 10_000 */
  timeoutMs?: number;
  /** How much of the answer's body is read and kept; the connection is closed past it. @default 1024 */
  maxResponseBytes?: number;
  /** Aborts the delivery (`error: 'aborted'`), e.g. when the worker stops. */
  signal?: AbortSignal;
  /** The resolver; `systemLookup` by default, injected by tests. */
  lookup?: LookupFn;
}

const USER_AGENT = 'MessageJS-Webhooks/1';
/** Connections kept per host; idle ones close after `timeout`. */
const AGENT_OPTIONS = {
  keepAlive: true,
  maxSockets: 16,
  maxFreeSockets: 16,
  timeout: 15_000,
  scheduling: 'lifo',
} as const;
const agents = { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024;
/** Node's default, pinned so a process-wide `--max-http-header-size` does not raise it for receivers. */
const MAX_HEADER_BYTES = 16 * 1024;

/** A failure of the relay's own lookup, told apart from the socket's errors. */
class LookupFailure extends Error {
  override readonly name = 'LookupFailure';
  constructor(
    readonly kind: 'dns' | 'refused_address',
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/** Where the exchange stands: which step a socket error interrupted, what has been read. */
interface Exchange {
  phase: 'connect' | 'tls' | 'http';
  status: number | null;
  body: string;
  failure: PostError | null;
}

/**
 * POSTs one webhook to a URL the relay does not trust. Never throws for a network failure: every
 * outcome is a `PostResult` (only a programming error throws: a header name or value Node refuses).
 *
 * - The address is vetted where it is used: a `lookup` of the relay's own resolves the name,
 *   refuses it if any address is refused (`isRefusedAddress`), and hands the vetted addresses to
 *   the socket, so the name cannot resolve elsewhere between the check and the connect (DNS
 *   rebinding) while TLS SNI and `Host` stay the name. On connect, the socket's remote address is
 *   checked again. An IP-literal host is judged before connecting.
 * - Redirects are never followed: a 3xx is an answer like any other non-2xx.
 * - One deadline (`timeoutMs`) covers the whole exchange, so a receiver that answers slowly or
 *   trickles its body is cut at it; at most `maxResponseBytes` of the body are read, then the
 *   socket is destroyed.
 * - Keep-alive: a receiver that answered in full (within the body cap and the deadline) keeps its
 *   connection for the next event, up to 16 per host (the dispatcher's `perTarget`), idle ones
 *   closed after 15 s. A connection per event cost the dispatcher a quarter of its rate to a busy
 *   receiver (bench/webhook-delivery.mjs). Every new connection is vetted as above (`lookup`,
 *   then the connect check); a reused one was vetted when it connected. An exchange cut short
 *   (the body cap, the deadline, an error) destroys its socket.
 *
 * @example await postWebhook({ url, headers: { 'webhook-id': id }, body }, { policy })
 */
export async function postWebhook(request: WebhookRequest, options: PostOptions): Promise<PostResult> {
  const started = performance.now();
  let url: URL;
  try {
    url = parseTargetUrl(request.url, options.policy);
  } catch {
    return resultOf({ phase: 'connect', status: null, body: '', failure: 'invalid_url' }, started);
  }
  const host = bareHost(url);
  // Node connects to an IP literal without calling `lookup`.
  if (net.isIP(host) !== 0 && isRefusedAddress(host, options.policy)) {
    return resultOf({ phase: 'connect', status: null, body: '', failure: 'refused_address' }, started);
  }
  if (options.signal?.aborted) {
    return resultOf({ phase: 'connect', status: null, body: '', failure: 'aborted' }, started);
  }
  return exchange(url, request, options, started);
}

function exchange(url: URL, request: WebhookRequest, options: PostOptions, started: number): Promise<PostResult> {
  const { policy, signal } = options;
  const state: Exchange = { phase: 'connect', status: null, body: '', failure: null };
  return new Promise((resolve) => {
    const secure = url.protocol === 'https:';
    const req = (secure ? https : http).request(url, {
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      headers: headersOf(request),
      lookup: vettedLookup(policy, options.lookup ?? systemLookup),
      maxHeaderSize: MAX_HEADER_BYTES,
    });
    let settled = false;
    /** Ends the exchange; the socket goes back to the pool only when the answer was read in full (`reuse`). */
    const finish = (reuse = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (!reuse) req.destroy();
      resolve(resultOf(state, started));
    };
    const fail = (failure: PostError) => {
      state.failure ??= failure;
      finish();
    };
    const onAbort = () => fail('aborted');
    const timer = setTimeout(() => fail('timeout'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('socket', (socket) => guardSocket(socket, url, policy, state));
    req.on('error', (error) => fail(classify(error, state)));
    req.on('response', (res) => readAnswer(res, state, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, finish));
    req.end(request.body);
  });
}

/** The relay's headers win over the caller's: receivers rely on them, and the length must be the body's. */
function headersOf(request: WebhookRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  headers['user-agent'] = USER_AGENT;
  headers['content-length'] = String(Buffer.byteLength(request.body));
  return headers;
}

/**
 * The socket's `lookup`: resolves the name, refuses it when any address is refused (as
 * `checkTargetUrl` does at creation), and answers only vetted addresses, in the form the socket
 * asked for (`all` when Node races IPv4 and IPv6, `autoSelectFamily`).
 */
function vettedLookup(policy: TargetPolicy, lookup: LookupFn): net.LookupFunction {
  return (hostname, options, callback) => {
    const vet = (answered: readonly dns.LookupAddress[]) => {
      const family = options.family === 4 || options.family === 6 ? options.family : undefined;
      const addresses = family === undefined ? answered : answered.filter((a) => a.family === family);
      if (addresses.length === 0) return new LookupFailure('dns', `${hostname} has no address`);
      if (addresses.some(({ address }) => isRefusedAddress(address, policy, hostname))) {
        return new LookupFailure('refused_address', `${hostname} resolves to an address that is not public`);
      }
      return addresses;
    };
    void Promise.resolve()
      .then(() => lookup(hostname))
      .then(vet, (error: unknown) => new LookupFailure('dns', `${hostname} could not be resolved`, error))
      .then((outcome) => {
        if (outcome instanceof Error) callback(outcome, []);
        else if (options.all) callback(null, [...outcome]);
        else callback(null, outcome[0]!.address, outcome[0]!.family);
      });
  };
}

/**
 * Checks the address the socket actually connected to before a byte is sent: the listener runs
 * first (prepended), ahead of the request's own writes that wait for `connect`.
 */
function guardSocket(socket: net.Socket, url: URL, policy: TargetPolicy, state: Exchange): void {
  const hostname = bareHost(url);
  const check = () => {
    const address = socket.remoteAddress;
    if (address === undefined || isRefusedAddress(address, policy, hostname)) {
      socket.destroy(new LookupFailure('refused_address', `connected to an address that is not public`));
      return;
    }
    state.phase = url.protocol === 'https:' ? 'tls' : 'http';
  };
  if (socket.connecting) {
    socket.prependOnceListener('connect', check);
    socket.once('secureConnect', () => (state.phase = 'http'));
  } else {
    // A kept-alive connection, vetted when it connected (and TLS done): checked again all the same.
    check();
    state.phase = 'http';
  }
}

/** Keeps the status and the first `maxBytes` of the body, then ends the exchange. */
function readAnswer(
  res: http.IncomingMessage,
  state: Exchange,
  maxBytes: number,
  finish: (reuse?: boolean) => void,
): void {
  state.status = res.statusCode ?? null;
  state.phase = 'http';
  if (maxBytes <= 0) return finish();
  // A character cut at the limit is dropped rather than kept as U+FFFD: the decoder holds it back.
  const decoder = new StringDecoder('utf8');
  let kept = 0;
  res.on('data', (chunk: Buffer) => {
    const part = chunk.subarray(0, maxBytes - kept);
    kept += part.length;
    state.body += decoder.write(part);
    if (kept >= maxBytes) finish();
  });
  res.once('end', () => finish(true));
  res.once('close', () => finish());
  res.once('error', () => finish());
}

function classify(error: Error, state: Exchange): PostError {
  if (error instanceof LookupFailure) return error.kind;
  // Connected but not yet secure: the handshake failed (certificate, protocol, a reset during it).
  return state.phase === 'tls' ? 'tls' : 'connection';
}

/**
 * The result of an exchange. Once a status has come it is the answer, whatever happened to the
 * body after it (the deadline, a reset): a receiver that answered 2xx has the event.
 */
function resultOf(state: Exchange, started: number): PostResult {
  const latencyMs = Math.round(performance.now() - started);
  if (state.status === null) {
    const error = state.failure ?? 'connection';
    return {
      ok: false,
      status: null,
      latencyMs,
      body: '',
      error,
      retryable: error !== 'refused_address' && error !== 'invalid_url',
    };
  }
  const ok = state.status >= 200 && state.status < 300;
  return { ok, status: state.status, latencyMs, body: state.body, error: null, retryable: !ok };
}
