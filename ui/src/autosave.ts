// Every answer goes to the store as it is typed: one save per field after a
// short pause in typing, and at once when the person leaves the field or the
// step. The pause keeps a fast typist from writing the database on every key;
// it is the most a crash can lose.

export const PAUSE_MS = 400;

export type SaveFn = (key: string, value: unknown) => Promise<void>;

export type SaveState = "idle" | "pending" | "saving" | "saved" | "error";

export class Autosave {
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private waiting = new Map<string, unknown>();
  private inFlight = new Set<Promise<void>>();
  /** Milliseconds from the last keystroke of a save to its durable write. */
  lastLatencyMs: number | null = null;
  private typedAt = new Map<string, number>();

  constructor(
    private save: SaveFn,
    private onState: (s: SaveState) => void = () => {},
    private pauseMs = PAUSE_MS,
    private clock: () => number = () => performance.now(),
  ) {}

  /** A new value for `key`: saved after the pause unless another comes first. */
  change(key: string, value: unknown): void {
    this.waiting.set(key, value);
    this.typedAt.set(key, this.clock());
    this.onState("pending");
    const old = this.timers.get(key);
    if (old !== undefined) clearTimeout(old);
    this.timers.set(
      key,
      setTimeout(() => void this.write(key), this.pauseMs),
    );
  }

  /** Saves `key` now (the field lost focus). */
  async flushKey(key: string): Promise<void> {
    if (this.waiting.has(key)) await this.write(key);
  }

  /** Saves everything not yet saved, and waits for saves under way. */
  async flush(): Promise<void> {
    await Promise.all([...this.waiting.keys()].map((k) => this.write(k)));
    await Promise.all([...this.inFlight]);
  }

  get unsaved(): number {
    return this.waiting.size;
  }

  private async write(key: string): Promise<void> {
    const timer = this.timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(key);
    if (!this.waiting.has(key)) return;
    const value = this.waiting.get(key);
    this.waiting.delete(key);
    const typedAt = this.typedAt.get(key) ?? this.clock();
    this.onState("saving");
    const done = this.save(key, value).then(
      () => {
        this.lastLatencyMs = this.clock() - typedAt;
        if (this.waiting.size === 0) this.onState("saved");
      },
      () => this.onState("error"),
    );
    this.inFlight.add(done);
    try {
      await done;
    } finally {
      this.inFlight.delete(done);
    }
  }
}
