import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { HolderRequestView } from '@contract/counter-request';
import { answerRequest, declineRequest, fetchRequest } from '../api/requests';

/** A counter's request as the citizen reads and answers it (扫码授权, issue 15). */
export const useHolderRequestStore = defineStore('holderRequest', () => {
  const current = ref<HolderRequestView | null>(null);

  async function load(id: string): Promise<HolderRequestView> {
    current.value = await fetchRequest(id);
    return current.value;
  }

  async function answer(id: string, authorisationId: string): Promise<HolderRequestView> {
    current.value = await answerRequest(id, authorisationId);
    return current.value;
  }

  async function decline(id: string): Promise<HolderRequestView> {
    current.value = await declineRequest(id);
    return current.value;
  }

  return { current, load, answer, decline };
});
