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

  async function load(): Promise<void> {
    controller?.abort();
    const mine = (controller = new AbortController());
    loading.value = true;
    error.value = null;
    try {
      cards.value = await listLicenses(mine.signal);
    } catch (err) {
      if (mine.signal.aborted) return;
      error.value = err instanceof ApiRequestError ? err : new ApiRequestError('INTERNAL', String(err), 0);
    } finally {
      if (controller === mine) loading.value = false;
    }
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

  return { cards, loading, error, details, load, loadDetail, reveal, mobileView, reset };
});
