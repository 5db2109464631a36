// The certificates a holder can use for one service item, and the choice among them: shared by
// every screen that authorises for an item someone else named (a portal's embed, a counter's
// request QR). One question per valid certificate (a wallet holds a handful) finds which of them
// the item accepts. The consent itself is useConsent.ts's.
import { computed, ref } from 'vue';
import type { LicenseCard, LicenseDetail, ServiceItemListResponse, ServiceItemOption } from '@contract/bff';
import type { ChoiceOption } from '../components/usage/LicenseChoice.vue';
import { cardNumber } from '../components/wallet/license-display';
import { useAuthorisationsStore } from '../stores/authorisations';

export interface Candidate {
  card: LicenseCard;
  license: LicenseDetail;
  item: ServiceItemOption;
  validity: ServiceItemListResponse['validity'];
}

export function useItemCandidates() {
  const authorisations = useAuthorisationsStore();
  const candidates = ref<Candidate[]>([]);
  const chosenCode = ref<string | null>(null);

  const chosen = computed(() => candidates.value.find((c) => c.card.licenseCode === chosenCode.value) ?? null);
  const options = computed<ChoiceOption[]>(() => candidates.value.map(({ card }) => {
    const number = cardNumber(card);
    return { value: card.licenseCode, title: card.name, detail: number ? `${number} · ${card.issueOrgName}` : card.issueOrgName };
  }));

  /** Finds which of `cards` (valid or expiring ones only) `serviceItemCode` accepts; chooses the only one. */
  async function find(cards: readonly LicenseCard[], serviceItemCode: string): Promise<void> {
    const usable = cards.filter((c) => c.state === 'valid' || c.state === 'expiring');
    const found = await Promise.all(usable.map(async (card): Promise<Candidate | null> => {
      try {
        const { license, options: o } = await authorisations.loadConsentOptions(card.licenseCode);
        const item = o.serviceItems.find((s) => s.serviceItemCode === serviceItemCode);
        return item ? { card, license, item, validity: o.validity } : null;
      } catch {
        return null;
      }
    }));
    candidates.value = found.filter((c): c is Candidate => c !== null);
    if (candidates.value.length === 1) chosenCode.value = candidates.value[0]!.card.licenseCode;
  }

  return { candidates, chosenCode, chosen, options, find };
}
