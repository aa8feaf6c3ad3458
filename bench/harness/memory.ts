/** Memory readings after garbage collection (the child runs with `--expose-gc`). */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** `process.memoryUsage()` after a few full GCs. */
export async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  const gc = globalThis.gc;
  for (let i = 0; i < 3; i++) {
    if (gc !== undefined) gc();
    await yieldToLoop();
  }
  return process.memoryUsage();
}

/** Whether GC can be forced (node was started with `--expose-gc`). */
export function canForceGc(): boolean {
  return globalThis.gc !== undefined;
}
