/**
 * Runs tasks for the same key one after another within this process. Cross-process atomicity
 * comes from the store's compare-and-set; this only spares a busy process from racing itself.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    const chained = previous.then(() => tail);
    this.#tails.set(key, chained);
    await previous;
    try {
      return await task();
    } finally {
      release();
      // The map holds a key only while someone is queued on it.
      if (this.#tails.get(key) === chained) this.#tails.delete(key);
    }
  }
}
