import { errorStatus, type ErrorCode, type SendMessageResponse } from '@messagejs/shared-types';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** The relay the tests talk to; msw answers for it. */
export const relayUrl = 'https://relay.example';
export const publicKey = 'pk_test_0123456789abcdefghijklmnopqrstuvwxyz';
export const secretKey = 'sk_test_0123456789abcdefghijklmnopqrstuvwxyz';

export const server = setupServer();

/** Starts msw for the file: unknown requests fail the test instead of reaching the network. */
export function useRelay(): void {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
}

/** One request as the fake relay saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: Headers;
  body: unknown;
  /** `performance.now()` when it arrived. */
  at: number;
}

type Answer = () => Response | Promise<Response>;

/**
 * Answers `method path` with `answers` in turn (the last one repeats) and returns the list of
 * requests seen, so tests can count attempts and read headers.
 */
export function answer(method: 'get' | 'post', path: string, ...answers: Answer[]): SeenRequest[] {
  const seen: SeenRequest[] = [];
  server.use(
    http[method](relayUrl + path, async ({ request }) => {
      const text = await request.text();
      seen.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: text ? JSON.parse(text) : undefined,
        at: performance.now(),
      });
      return answers[Math.min(seen.length, answers.length) - 1]!();
    }),
  );
  return seen;
}

/** `202` with a queued message, as `POST /v1/messages` answers. */
export const accepted =
  (overrides: Partial<SendMessageResponse> = {}): Answer =>
  () =>
    HttpResponse.json(
      {
        id: 'msg_01HZX3',
        status: 'queued',
        channel: 'sms',
        segments: 1,
        encoding: 'GSM-7',
        createdAt: '2025-01-01T00:00:00.000Z',
        ...overrides,
      } satisfies SendMessageResponse,
      { status: 202 },
    );

/** The relay's error body for `code`, with its status. */
export const relayError =
  (code: ErrorCode, init: { status?: number; headers?: Record<string, string>; field?: string } = {}): Answer =>
  () =>
    HttpResponse.json(
      { error: { code, message: `The relay says ${code}`, ...(init.field && { field: init.field }) } },
      { status: init.status ?? errorStatus[code], headers: init.headers },
    );

/** A network failure: `fetch` rejects with a `TypeError`. */
export const networkError: Answer = () => HttpResponse.error();

/** Runs `promise` and returns what it rejected with, failing if it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
