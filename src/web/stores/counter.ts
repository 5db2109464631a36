import { computed, ref } from 'vue';
import { defineStore } from 'pinia';
import type {
  CounterByFunctionResponse,
  CounterCase,
  CounterRedemption,
  CounterServiceItem,
} from '@contract/counter';
import { ApiRequestError } from '../api/http';
import { fetchArchive, fetchCounterServiceItems, redeemCode, searchByFunction, type ArchiveFile } from '../api/counter';

const CASE_KEY = 'ecert.counter.case';

function loadCase(): CounterCase | null {
  try {
    const raw = sessionStorage.getItem(CASE_KEY);
    const c = raw ? (JSON.parse(raw) as Partial<CounterCase>) : null;
    return c && typeof c.bizNum === 'string' && typeof c.serviceItemCode === 'string' ? { bizNum: c.bizNum, serviceItemCode: c.serviceItemCode } : null;
  } catch {
    return null;
  }
}

export interface CounterFailure {
  code: string;
  message: string;
}

function failureOf(err: unknown): CounterFailure {
  if (err instanceof ApiRequestError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/**
 * The counter window: the case being handled (kept for this tab until the staff member ends
 * it), the service items of their organisation, and the one result on screen. The usage code
 * lives only in memory, for the archive download of the result showing.
 */
export const useCounterStore = defineStore('counter', () => {
  const orgName = ref('');
  const serviceItems = ref<CounterServiceItem[]>([]);
  const resultClearSeconds = ref(120);
  const sensitiveVisible = ref(false);
  const configLoaded = ref(false);
  const configError = ref<CounterFailure | null>(null);

  const currentCase = ref<CounterCase | null>(loadCase());
  /** A code that arrived through /c/:authCode before the case was entered. */
  const pendingCode = ref<string | null>(null);

  const result = ref<CounterRedemption | null>(null);
  const failure = ref<CounterFailure | null>(null);
  const busy = ref(false);
  let resultCode: string | null = null;
  /** Whether the result on screen can be archived from this page (not one a counter request delivered). */
  const archivable = ref(false);

  const searchResult = ref<CounterByFunctionResponse | null>(null);
  const searchFailure = ref<CounterFailure | null>(null);
  const searching = ref(false);

  const serviceItem = computed(() => serviceItems.value.find((i) => i.serviceItemCode === currentCase.value?.serviceItemCode) ?? null);

  async function loadConfig(): Promise<void> {
    try {
      const cfg = await fetchCounterServiceItems();
      orgName.value = cfg.orgName;
      serviceItems.value = cfg.serviceItems;
      resultClearSeconds.value = cfg.resultClearSeconds;
      sensitiveVisible.value = cfg.sensitiveVisible;
      configError.value = null;
      // A remembered case whose item no longer exists starts over.
      if (currentCase.value && !cfg.serviceItems.some((i) => i.serviceItemCode === currentCase.value?.serviceItemCode)) endCase();
    } catch (err) {
      configError.value = failureOf(err);
    } finally {
      configLoaded.value = true;
    }
  }

  function startCase(c: CounterCase): void {
    currentCase.value = { bizNum: c.bizNum.trim(), serviceItemCode: c.serviceItemCode };
    try {
      sessionStorage.setItem(CASE_KEY, JSON.stringify(currentCase.value));
    } catch {
      // Private mode: the case lasts while the page is open.
    }
  }

  /** Takes the result off the screen; the by-function list stays only when asked (staff going back to it). */
  function clearResult(options: { keepSearch?: boolean } = {}): void {
    result.value = null;
    failure.value = null;
    resultCode = null;
    archivable.value = false;
    if (!options.keepSearch) {
      searchResult.value = null;
      searchFailure.value = null;
    }
  }

  function endCase(): void {
    clearResult();
    currentCase.value = null;
    try {
      sessionStorage.removeItem(CASE_KEY);
    } catch {
      // nothing stored
    }
  }

  async function redeem(authCode: string): Promise<boolean> {
    const c = currentCase.value;
    if (!c || busy.value) return false;
    busy.value = true;
    result.value = null;
    failure.value = null;
    try {
      result.value = await redeemCode({ ...c, authCode });
      resultCode = authCode;
      archivable.value = true;
      return true;
    } catch (err) {
      failure.value = failureOf(err);
      return false;
    } finally {
      busy.value = false;
    }
  }

  /** A result that arrived without a code this page holds (a counter request): nothing to archive from here. */
  function showResult(r: CounterRedemption): void {
    failure.value = null;
    result.value = r;
    resultCode = null;
    archivable.value = false;
  }

  /** The signed PDF of the result on screen (or of a by-function item by its handle). */
  function archive(handle?: string): Promise<ArchiveFile> {
    const c = currentCase.value;
    const code = handle ?? resultCode;
    if (!c || !code) return Promise.reject(new ApiRequestError('BAD_REQUEST', '没有可归档的核验结果', 0));
    return fetchArchive({ ...c, authCode: code });
  }

  async function search(identityNumber: string, page = 1): Promise<void> {
    const c = currentCase.value;
    if (!c || searching.value) return;
    searching.value = true;
    searchFailure.value = null;
    try {
      searchResult.value = await searchByFunction({ ...c, identityNumber: identityNumber.trim().toUpperCase(), page });
    } catch (err) {
      searchResult.value = null;
      searchFailure.value = failureOf(err);
    } finally {
      searching.value = false;
    }
  }

  return {
    orgName, serviceItems, resultClearSeconds, sensitiveVisible, configLoaded, configError,
    currentCase, pendingCode, serviceItem, result, failure, busy, searchResult, searchFailure, searching,
    loadConfig, startCase, endCase, clearResult, redeem, showResult, archivable, archive, search,
  };
});
