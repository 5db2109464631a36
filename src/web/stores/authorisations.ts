import { defineStore } from 'pinia';
import { ref } from 'vue';
import type {
  Authorisation,
  AuthorisationStatusEvent,
  CreateAuthorisationRequest,
  HistoryEntry,
  LicenseDetail,
  ServiceCapabilities,
  ServiceItemListResponse,
} from '@contract/bff';
import { fetchCapabilities } from '../api/session';
import {
  createAuthorisation,
  fetchAuthorisation,
  fetchServiceItems,
  revokeAuthorisation,
} from '../api/authorisations';
import { fetchHistory } from '../api/history';
import { getLicense } from '../api/licenses';

const CONSENT_KEY = 'ecert.consent.';
/** The service item this device last authorised a use for (a code, nothing personal): suggested first next time. */
const LAST_ITEM_KEY = 'ecert.lastServiceItem';

function rememberLastItem(code: string): void {
  try {
    localStorage.setItem(LAST_ITEM_KEY, code);
  } catch {
    // Private mode: nothing is suggested.
  }
}

/** The service item last authorised on this device, if any. */
export function lastServiceItem(): string | null {
  try {
    return localStorage.getItem(LAST_ITEM_KEY);
  } catch {
    return null;
  }
}

/** What the holder agreed to for one code, so a refresh repeats exactly that and nothing more. */
interface ConsentMemo {
  sensitiveConsent: boolean;
}

function rememberConsent(id: string, memo: ConsentMemo) {
  try {
    sessionStorage.setItem(CONSENT_KEY + id, JSON.stringify(memo));
  } catch {
    // Private mode: a refresh then goes back through the consent screen.
  }
}

function recalledConsent(id: string): ConsentMemo | null {
  try {
    const raw = sessionStorage.getItem(CONSENT_KEY + id);
    return raw ? (JSON.parse(raw) as ConsentMemo) : null;
  } catch {
    return null;
  }
}

export const useAuthorisationsStore = defineStore('authorisations', () => {
  const byId = ref<Record<string, Authorisation>>({});
  /** Device clock minus server clock, ms, measured on creation; 0 when within 2 s. */
  const clockOffsetMs = ref(0);
  const history = ref<HistoryEntry[]>([]);
  /** False when the service does not report uses: history is this app's own records only. */
  const usesReported = ref(true);
  /** What the service can do; null until known, and then nothing is offered that might not work. */
  const capabilities = ref<ServiceCapabilities | null>(null);
  let capabilitiesLoad: Promise<ServiceCapabilities | null> | null = null;

  function loadCapabilities(): Promise<ServiceCapabilities | null> {
    capabilitiesLoad ??= fetchCapabilities().then(
      (c) => (capabilities.value = c),
      () => {
        capabilitiesLoad = null;
        return null;
      },
    );
    return capabilitiesLoad;
  }

  function put(a: Authorisation): Authorisation {
    byId.value[a.id] = a;
    return a;
  }

  async function loadConsentOptions(licenseCode: string): Promise<{ license: LicenseDetail; options: ServiceItemListResponse }> {
    const [license, options] = await Promise.all([getLicense(licenseCode), fetchServiceItems(licenseCode)]);
    return { license, options };
  }

  async function create(body: CreateAuthorisationRequest): Promise<Authorisation> {
    const sentAt = Date.now();
    const a = await createAuthorisation(body);
    const receivedAt = Date.now();
    if (receivedAt - sentAt < 3000) {
      const offset = (sentAt + receivedAt) / 2 - Date.parse(a.createdAt);
      clockOffsetMs.value = Number.isFinite(offset) && Math.abs(offset) > 2000 ? offset : 0;
    }
    rememberConsent(a.id, { sensitiveConsent: body.sensitiveConsent });
    rememberLastItem(a.serviceItemCode);
    return put(a);
  }

  async function load(id: string): Promise<Authorisation> {
    return put(await fetchAuthorisation(id));
  }

  function applyStatus(event: AuthorisationStatusEvent): void {
    const a = byId.value[event.id];
    if (a) byId.value[event.id] = { ...a, status: event.status, redemptions: event.redemptions };
    for (const entry of history.value) {
      if (entry.authorisation?.id === event.id) entry.authorisation.status = event.status;
    }
  }

  /**
   * A fresh code for the same certificate, service item and consent; the BFF revokes the old
   * one. Returns null when this device does not know what was consented to (the holder then
   * goes through the consent screen again).
   */
  async function renew(id: string, idempotencyKey: string): Promise<Authorisation | null> {
    const old = byId.value[id];
    const memo = recalledConsent(id);
    if (!old || !memo) return null;
    const validitySeconds = Math.round((Date.parse(old.expiresAt) - Date.parse(old.createdAt)) / 1000);
    return create({
      licenseCode: old.licenseCode,
      serviceItemCode: old.serviceItemCode,
      validitySeconds,
      idempotencyKey,
      sensitiveConsent: memo.sensitiveConsent,
      replaces: old.status === 'active' ? id : undefined,
    });
  }

  async function revoke(id: string): Promise<void> {
    const answer: Partial<Authorisation> | undefined = await revokeAuthorisation(id);
    const known = byId.value[id];
    if (answer?.id && answer.status) put({ ...known, ...answer } as Authorisation);
    applyStatus({ id, status: answer?.status ?? 'revoked', redemptions: answer?.redemptions ?? known?.redemptions ?? [] });
  }

  async function loadHistory(licenseCode?: string): Promise<HistoryEntry[]> {
    const { entries, usesReported: reported } = await fetchHistory(licenseCode);
    usesReported.value = reported !== false;
    // The BFF orders them (newest first, at the upstream's one-second precision); keep that order.
    history.value = entries;
    return history.value;
  }

  return { byId, clockOffsetMs, history, usesReported, capabilities, loadCapabilities, loadConsentOptions, create, load, applyStatus, renew, revoke, loadHistory };
});
