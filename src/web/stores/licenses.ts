import { ref } from 'vue';
import { defineStore } from 'pinia';
import type { LicenseCard, LicenseDetail, MobileViewLink } from '@contract/bff';
import { ApiRequestError } from '../api/http';
import { createMobileView, getLicense, listLicenses, revealLicense } from '../api/licenses';

/** The holder's wallet: the card list, and details fetched as they are opened. */
export const useLicensesStore = defineStore('licenses', () => {
  const cards = ref<LicenseCard[] | null>(null);
  const loading = ref(false);
  const error = ref<ApiRequestError | null>(null);
  const details = ref<Record<string, LicenseDetail>>({});
  let controller: AbortController | null = null;
  let inflight: Promise<void> | null = null;
  /** When the cards last arrived (ms), so a page opened right after does not ask again. */
  let loadedAt = 0;

  /** `early`: the first screen's request, sent before the session is known (a 401 is the guard's to handle). */
  function load(early = false): Promise<void> {
    controller?.abort();
    const mine = (controller = new AbortController());
    loading.value = true;
    error.value = null;
    return (inflight = listLicenses(mine.signal, early)
      .then((list) => {
        cards.value = list;
        loadedAt = Date.now();
      }, (err: unknown) => {
        if (mine.signal.aborted || (early && (err as ApiRequestError).status === 401)) return;
        error.value = err instanceof ApiRequestError ? err : new ApiRequestError('INTERNAL', String(err), 0);
      })
      .finally(() => {
        if (controller === mine) {
          loading.value = false;
          inflight = null;
        }
      }));
  }

  /**
   * The first screen's request, sent by main.ts as the app starts, beside the session's, so the
   * wallet's data travels while its code loads instead of after it (issue 11).
   */
  function prefetch(): void {
    void load(true);
  }

  /** The cards the server rendered the first screen with (issue 11): fresh, nothing to ask for. */
  function adopt(list: LicenseCard[], at = Date.now()): void {
    cards.value = list;
    loadedAt = at;
  }

  /** What the wallet calls on opening: the request already under way, or nothing if the cards are fresh. */
  function loadIfStale(maxAgeMs: number): Promise<void> {
    return inflight ?? (cards.value && Date.now() - loadedAt < maxAgeMs ? Promise.resolve() : load());
  }

  async function loadDetail(licenseCode: string): Promise<LicenseDetail> {
    const detail = await getLicense(licenseCode);
    details.value[licenseCode] = detail;
    return detail;
  }

  /** Replaces the masked values of this certificate's sensitive fields with the full ones. */
  async function reveal(licenseCode: string): Promise<void> {
    const { fields } = await revealLicense(licenseCode);
    const detail = details.value[licenseCode];
    if (!detail) return;
    const full = new Map(fields.map((f) => [f.key, f.value]));
    detail.fields = detail.fields.map((f) => (full.has(f.key) ? { ...f, value: full.get(f.key) ?? f.value, masked: false } : f));
  }

  function mobileView(licenseCode: string): Promise<MobileViewLink> {
    return createMobileView(licenseCode);
  }

  function reset(): void {
    cards.value = null;
    details.value = {};
    error.value = null;
  }

  return { cards, loading, error, details, load, prefetch, adopt, loadIfStale, loadDetail, reveal, mobileView, reset };
});
