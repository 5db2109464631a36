import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CounterRequestCreated, RequestState } from '@contract/counter-request';
import { pollCounterRequest, startCounterRequest } from '../api/counter';
import { useCounterStore } from './counter';

/** How often the counter screen asks the BFF for the answer (polling, not a stream: one clerk, one request). */
export const REQUEST_POLL_MS = 1000;
/** A failed poll (the network, the BFF restarting) is retried after this; the request lives on server-side. */
const RETRY_MS = 3000;

/**
 * 扫码授权 at the counter (issue 15): the request QR on screen for the current case, and its state
 * until the holder's consent arrives; the redemption then shows as any other result.
 */
export const useCounterRequestStore = defineStore('counterRequest', () => {
  const request = ref<CounterRequestCreated | null>(null);
  const state = ref<RequestState | null>(null);
  const message = ref<string | null>(null);
  const error = ref<string | null>(null);
  const starting = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped on every start and stop, so an answer to an abandoned request is dropped. */
  let generation = 0;

  function stop(): void {
    generation += 1;
    clearTimeout(timer);
    timer = undefined;
    request.value = null;
    state.value = null;
    message.value = null;
  }

  async function start(): Promise<void> {
    const counter = useCounterStore();
    const c = counter.currentCase;
    if (!c || starting.value) return;
    stop();
    starting.value = true;
    error.value = null;
    const mine = generation;
    try {
      const created = await startCounterRequest(c);
      if (mine !== generation) return;
      request.value = created;
      state.value = 'waiting';
      schedule(mine, REQUEST_POLL_MS);
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    } finally {
      starting.value = false;
    }
  }

  function schedule(mine: number, ms: number): void {
    clearTimeout(timer);
    timer = setTimeout(() => void poll(mine), ms);
  }

  async function poll(mine: number): Promise<void> {
    const r = request.value;
    if (!r || mine !== generation) return;
    try {
      const status = await pollCounterRequest(r.id);
      if (mine !== generation) return;
      state.value = status.state;
      message.value = status.message;
      if (status.result) {
        useCounterStore().showResult(status.result);
        stop();
        return;
      }
      if (status.state === 'waiting' || status.state === 'answered') schedule(mine, REQUEST_POLL_MS);
    } catch {
      if (mine === generation) schedule(mine, RETRY_MS);
    }
  }

  return { request, state, message, error, starting, start, stop };
});
