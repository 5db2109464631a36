import { ref } from 'vue';

/** The one unexpected error the app is showing, if any. */
export const fatalError = ref<unknown>(null);

export function reportError(err: unknown): void {
  fatalError.value = err ?? new Error('unknown');
  console.error(err);
}

export function clearError(): void {
  fatalError.value = null;
}
