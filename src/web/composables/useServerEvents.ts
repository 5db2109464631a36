import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';

export type LiveMode = 'idle' | 'stream' | 'polling';

export interface ServerEventsOptions<T> {
  /** The stream's URL; null stops listening (e.g. once the status is final). */
  url: Ref<string | null>;
  /** SSE event name to listen for. */
  event: string;
  onData: (data: T) => void;
  /** Fallback when the stream is unavailable: one GET of the same state. */
  poll: () => Promise<void>;
  pollIntervalMs?: number;
  /** Consecutive stream errors (without an event in between) before switching to polling. */
  maxErrors?: number;
}

/**
 * Live updates from a Server-Sent Events stream, with polling when EventSource is missing or
 * keeps failing (some proxies and web-views buffer or cut streams). The stream reconnects when
 * the page becomes visible again, since mobile browsers drop it in the background.
 */
export function useServerEvents<T>(opts: ServerEventsOptions<T>) {
  const mode = ref<LiveMode>('idle');
  const interrupted = ref(false);
  const pollInterval = opts.pollIntervalMs ?? 2000;
  const maxErrors = opts.maxErrors ?? 3;
  let source: EventSource | null = null;
  let errors = 0;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  function closeStream() {
    source?.close();
    source = null;
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = undefined;
  }

  function startPolling() {
    closeStream();
    mode.value = 'polling';
    const tick = async () => {
      if (stopped || !opts.url.value) return;
      try {
        await opts.poll();
        interrupted.value = false;
      } catch {
        interrupted.value = true;
      }
      if (!stopped && mode.value === 'polling' && opts.url.value) pollTimer = setTimeout(tick, pollInterval);
    };
    stopPolling();
    void tick();
  }

  function connect() {
    closeStream();
    stopPolling();
    const url = opts.url.value;
    if (stopped || !url) {
      mode.value = 'idle';
      return;
    }
    if (typeof EventSource === 'undefined') {
      startPolling();
      return;
    }
    errors = 0;
    mode.value = 'stream';
    const es = new EventSource(url);
    source = es;
    es.addEventListener(opts.event, (e) => {
      errors = 0;
      interrupted.value = false;
      try {
        opts.onData(JSON.parse((e as MessageEvent<string>).data) as T);
      } catch {
        // A malformed event is ignored; the next one or the poll carries the state.
      }
    });
    es.addEventListener('open', () => {
      interrupted.value = false;
    });
    es.addEventListener('error', () => {
      if (source !== es) return;
      errors += 1;
      interrupted.value = true;
      // EventSource retries by itself; after repeated failures, or once it gave up, poll instead.
      if (errors >= maxErrors || es.readyState === EventSource.CLOSED) startPolling();
    });
  }

  const onVisibility = () => {
    if (document.visibilityState === 'visible') connect();
    else {
      closeStream();
      stopPolling();
    }
  };

  function stop() {
    stopped = true;
    closeStream();
    stopPolling();
    mode.value = 'idle';
  }

  onMounted(() => {
    document.addEventListener('visibilitychange', onVisibility);
    connect();
  });
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisibility);
    stop();
  });
  watch(opts.url, () => {
    if (!stopped) connect();
  });

  return { mode, interrupted, reconnect: connect, stop };
}
