// Keeps a review session in IndexedDB (this browser profile only; nothing goes to the network):
// the state after every change, and each frame's image once, so a kiosk reload restores the
// overview, the crops and the review exactly where the cytologist was.
import type { ReviewState } from './review-state.js';

const DB_NAME = 'smearscope-review';
const DB_VERSION = 1;

export interface SessionStore {
  load(): Promise<{ state: ReviewState; images: Map<number, Blob> } | null>;
  saveState(state: ReviewState): Promise<void>;
  saveImage(frameId: number, image: Blob): Promise<void>;
  clear(): Promise<void>;
}

/** Opens the store of session `name` (several stations in one profile use different names). */
export async function openSessionStore(name: string): Promise<SessionStore> {
  const open = indexedDB.open(DB_NAME, DB_VERSION);
  open.onupgradeneeded = () => {
    open.result.createObjectStore('sessions');
    open.result.createObjectStore('images');
  };
  const db = await request(open);
  const prefix = `${name}/`;
  const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  const tx = (stores: string[], mode: IDBTransactionMode) => db.transaction(stores, mode);
  return {
    async load() {
      const t = tx(['sessions', 'images'], 'readonly');
      const state = (await request(t.objectStore('sessions').get(name))) as ReviewState | undefined;
      if (!state || state.version !== 1) return null;
      const keys = (await request(t.objectStore('images').getAllKeys(range))) as string[];
      const blobs = (await request(t.objectStore('images').getAll(range))) as Blob[];
      const images = new Map(keys.map((key, i) => [Number(key.slice(prefix.length)), blobs[i]]));
      return { state, images };
    },
    async saveState(state) {
      const t = tx(['sessions'], 'readwrite');
      t.objectStore('sessions').put(state, name);
      await done(t);
    },
    async saveImage(frameId, image) {
      const t = tx(['images'], 'readwrite');
      t.objectStore('images').put(image, `${prefix}${frameId}`);
      await done(t);
    },
    async clear() {
      const t = tx(['sessions', 'images'], 'readwrite');
      t.objectStore('sessions').delete(name);
      t.objectStore('images').delete(range);
      await done(t);
    },
  };
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function done(t: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
    t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
  });
}
