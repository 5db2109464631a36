// What every consent screen shares (the wallet's 授权, a portal's embed, a counter's request QR):
// the terms shown, the separate consent to sensitive fields, the idempotency key, and the one
// authorisation in flight. Each view says only who receives what and what happens afterwards.
import { computed, ref, watch, type Ref, type WatchSource } from 'vue';
import type { Authorisation, CreateAuthorisationRequest, ServiceItemOption } from '@contract/bff';
import { newIdempotencyKey } from '../components/usage/usage-format';
import { useAuthorisationsStore } from '../stores/authorisations';

/** What ConsentSummary states, bound with v-bind="terms". */
export interface ConsentTerms {
  orgName: string;
  serviceItemName: string;
  licenseName: string;
  fields: ServiceItemOption['fields'];
  validitySeconds: number;
}

/** The request without what the consent itself supplies. */
export type ConsentRequest = Omit<CreateAuthorisationRequest, 'idempotencyKey' | 'sensitiveConsent'>;

/**
 * `choice` names who receives which certificate (the service item or the certificate chosen):
 * when it changes, the separate consent is cleared, since consent to one organisation or
 * certificate never carries over. `terms` is what the holder is consenting to: when it or the
 * separate consent changes, the request is a different one and gets a new idempotency key (a
 * double tap on the same terms repeats the key, so the BFF makes one authorisation).
 */
export function useConsent(choice: WatchSource<unknown>, terms: Ref<ConsentTerms | null>) {
  const store = useAuthorisationsStore();
  const sensitiveConsent = ref(false);
  const idempotencyKey = ref(newIdempotencyKey());
  const pending = ref(false);
  const error = ref<string | null>(null);
  /** Without the revoke extension the consent says the code cannot be withdrawn (issue 9). */
  const canRevoke = computed(() => store.capabilities?.revoke === true);

  watch(choice, () => {
    sensitiveConsent.value = false;
  });
  watch([terms, sensitiveConsent], () => {
    if (!pending.value) idempotencyKey.value = newIdempotencyKey();
    error.value = null;
  });

  /**
   * Creates the authorisation once (a tap while one is in flight does nothing) and hands it to
   * `then`. A failure, there or in `then`, becomes `error`, unless `handled` takes it.
   */
  async function authorise(request: ConsentRequest, then: (a: Authorisation) => unknown, handled?: (err: unknown) => boolean): Promise<void> {
    if (pending.value) return;
    pending.value = true;
    error.value = null;
    try {
      await then(await store.create({ ...request, idempotencyKey: idempotencyKey.value, sensitiveConsent: sensitiveConsent.value }));
    } catch (err) {
      if (!handled?.(err)) error.value = err instanceof Error ? err.message : String(err);
    } finally {
      pending.value = false;
    }
  }

  return { sensitiveConsent, pending, error, canRevoke, authorise };
}
