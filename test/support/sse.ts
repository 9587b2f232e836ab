/** One Server-Sent Event as a client received it. */
export interface ReceivedEvent {
  event: string;
  data: any;
}

export interface EventStream {
  status: number;
  headers: Headers;
  events: ReceivedEvent[];
  /** Resolves with the first event (from now on, or already received if `since` is given) that matches. */
  waitFor(
    match: (event: ReceivedEvent) => boolean,
    timeoutMs?: number,
    since?: number,
  ): Promise<ReceivedEvent>;
  close(): void;
  /** Resolves when the server ended the stream (or the client closed it). */
  ended: Promise<void>;
}

/** Opens an event stream with fetch and parses it as EventSource would. */
export async function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length === 0) continue;
          const text = data.join('\n');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          events.push({ event, data: parsed });
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted or reset
    }
    for (const wake of waiters) wake();
  })();
  let finished = false;
  void ended.then(() => (finished = true));

  const waitFor: EventStream['waitFor'] = (match, timeoutMs = 15_000, since = events.length) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = events.slice(since).find(match);
        if (found) {
          cleanup();
          resolve(found);
        } else if (finished) {
          cleanup();
          reject(
            new Error(`stream ended without the event; got ${JSON.stringify(events.slice(since))}`),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no matching event in ${timeoutMs} ms; got ${JSON.stringify(events.slice(since))}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    status: response.status,
    headers: response.headers,
    events,
    waitFor,
    close: () => controller.abort(),
    ended,
  };
}
