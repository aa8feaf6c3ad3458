/**
 * Named fail points: places in the engine's I/O paths where tests can inject a failure
 * (an exception, or a simulated `ENOSPC` / `EIO`) to prove that a failed write or sync never
 * acknowledges anything and that recovery afterwards is consistent.
 *
 * Disarmed fail points cost one property read on a plain object, so they stay in production
 * builds. They are process-global, like the I/O they stand in for.
 *
 * @example
 * ```ts
 * FailPoints.arm('wal.sync', { error: 'EIO', times: 1 });
 * await expect(db.kvSet('p', 's', 'k', value)).rejects.toThrow(IoError);
 * FailPoints.reset();
 * ```
 */

/** Every named fail point. */
export type FailPointName =
  | 'wal.append'
  | 'wal.sync'
  | 'wal.rotate'
  | 'checkpoint.write'
  | 'checkpoint.sync'
  | 'checkpoint.rename'
  | 'dir.sync';

/** How an armed fail point fails. */
export interface FailPointPlan {
  /** `'throw'` raises a plain Error; `'ENOSPC'`/`'EIO'` raise an error shaped like Node's fs errors. */
  readonly error?: 'throw' | 'ENOSPC' | 'EIO';
  /** Fail this many times, then disarm (default: every time until disarmed). */
  readonly times?: number;
  /** Let this many hits pass before failing (default 0). */
  readonly after?: number;
}

interface ArmedPoint {
  error: 'throw' | 'ENOSPC' | 'EIO';
  remaining: number;
  skip: number;
  hits: number;
}

const armed: Partial<Record<FailPointName, ArmedPoint>> = {};
let anyArmed = false;
const tripped: Partial<Record<FailPointName, number>> = {};

function makeError(name: FailPointName, kind: ArmedPoint['error']): Error {
  if (kind === 'throw') return new Error(`fail point '${name}' triggered`);
  const err = new Error(
    `${kind}: ${kind === 'ENOSPC' ? 'no space left on device' : 'i/o error'} (fail point '${name}')`,
  ) as NodeJS.ErrnoException;
  err.code = kind;
  err.errno = kind === 'ENOSPC' ? -28 : -5;
  err.syscall = name;
  return err;
}

/** The fail point registry. */
export const FailPoints = {
  /** Arm `name` with `plan`. */
  arm(name: FailPointName, plan: FailPointPlan = {}): void {
    armed[name] = {
      error: plan.error ?? 'throw',
      remaining: plan.times ?? Number.POSITIVE_INFINITY,
      skip: plan.after ?? 0,
      hits: 0,
    };
    anyArmed = true;
  },

  /** Disarm `name`. */
  disarm(name: FailPointName): void {
    delete armed[name];
    anyArmed = Object.keys(armed).length > 0;
  },

  /** Disarm every fail point and clear the trip counters. */
  reset(): void {
    for (const key of Object.keys(armed)) delete armed[key as FailPointName];
    for (const key of Object.keys(tripped)) delete tripped[key as FailPointName];
    anyArmed = false;
  },

  /** How many times `name` has failed since the last reset. */
  trippedCount(name: FailPointName): number {
    return tripped[name] ?? 0;
  },

  /**
   * Called by the engine at the fail point: throws if `name` is armed and due.
   * @internal
   */
  hit(name: FailPointName): void {
    if (!anyArmed) return;
    const point = armed[name];
    if (point === undefined) return;
    point.hits++;
    if (point.hits <= point.skip) return;
    point.remaining--;
    if (point.remaining <= 0) FailPoints.disarm(name);
    tripped[name] = (tripped[name] ?? 0) + 1;
    throw makeError(name, point.error);
  },
};
