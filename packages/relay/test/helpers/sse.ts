import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** A Server-Sent Events answer being read: what arrived so far, parsed by `eventsource-parser`. */
export interface SseStream {
  status: number;
  headers: Headers;
  /** Events in arrival order (`id`, `event`, `data`). */
  events: EventSourceMessage[];
  /** Comment lines (`: ping`), without the colon. */
  comments: string[];
  /** The last `retry:` the server sent, or null. */
  retry: number | null;
  /** Everything received, in order, as the parser saw it: `retry`, `comment` and `event` entries. */
  order: string[];
  /** Waits until `predicate` holds over the events (fails after `timeoutMs`); returns them. */
  until(predicate: (events: EventSourceMessage[]) => boolean, timeoutMs?: number): Promise<EventSourceMessage[]>;
  /** Resolves once the server ended the answer (or the client closed it). */
  ended: Promise<void>;
  /** Goes away, as a closed browser tab does. */
  close(): void;
}

/**
 * Opens `url` with `fetch` and reads its body as Server-Sent Events with an independent parser
 * (`eventsource-parser`, the one the `eventsource` package and the AI SDKs use), in the background.
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    events: [],
    comments: [],
    retry: null,
    order: [],
    async until(predicate, timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      while (!predicate(stream.events)) {
        if (performance.now() > deadline) {
          throw new Error(`the stream did not get there: ${JSON.stringify(stream.events.map((e) => [e.id, e.event]))}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return stream.events;
    },
    ended: Promise.resolve(),
    close: () => abort.abort(),
  };
  const parser = createParser({
    onEvent: (event) => {
      stream.events.push(event);
      stream.order.push('event');
    },
    onComment: (comment) => {
      stream.comments.push(comment);
      stream.order.push('comment');
    },
    onRetry: (retry) => {
      stream.retry = retry;
      stream.order.push('retry');
    },
  });
  stream.ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return stream;
}
