/** Where the shopper's cart id is kept between visits. */
export interface CartIdStore {
  get(): string | null;
  set(id: string): void;
  clear(): void;
}

export const CART_ID_KEY = 'flash-store.cart-id';

/** The cart id in `localStorage`; degrades to memory when storage is unavailable (private mode). */
export function localCartIds(storage: Storage | undefined = globalThis.localStorage): CartIdStore {
  let memory: string | null = null;
  return {
    get() {
      try {
        return storage?.getItem(CART_ID_KEY) ?? memory;
      } catch {
        return memory;
      }
    },
    set(id) {
      memory = id;
      try {
        storage?.setItem(CART_ID_KEY, id);
      } catch {
        // Memory only.
      }
    },
    clear() {
      memory = null;
      try {
        storage?.removeItem(CART_ID_KEY);
      } catch {
        // Memory only.
      }
    },
  };
}

/** A cart id kept in memory only: for tests and embedding. */
export function memoryCartIds(initial: string | null = null): CartIdStore {
  let id = initial;
  return {
    get: () => id,
    set: (next) => void (id = next),
    clear: () => void (id = null),
  };
}
