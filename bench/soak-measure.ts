// What the soak measures on each side (client in the parent, server in its child): memory after a full GC
// and the process's active handles by kind (process.getActiveResourcesInfo()).

/** Memory in bytes and active resources counted by kind. */
export interface SoakSnapshot {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly handles: Record<string, number>;
}

/** Collects twice (the first may only queue finalizers that free more on the second) and reads the figures. */
export async function snapshot(): Promise<SoakSnapshot> {
  for (let i = 0; i < 2; i++) {
    globalThis.gc?.();
    // Let closed sockets and timers finish closing before they are counted.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  const handles: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
  return { rss, heapUsed, external, arrayBuffers, handles };
}
