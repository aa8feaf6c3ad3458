import type { OutboxEvent } from '../storage/events/event-stream';
import { NotFoundError } from '../storage/errors';
import type { Snapshot } from '../storage/snapshot';
import type { ProcessorCommitResult } from './checkpoint-store';
import {
  TOPIC_SEPARATOR,
  type DeadLetterFilter,
  type ReactiveProcessorDeadLetter,
} from './dead-letter-store';
import { checkUserMutations } from './processor-engine';
import type { ProcessorHandlerContext } from './processor-handler';
import type { ProcessorRuntime, ProcessorRuntimeDeps } from './processor-runtime';
import { validateProcessorName } from './reactive-processor-options';

/** What `replayReactiveProcessorDeadLetters` did. */
export interface DeadLetterReplayReport {
  /** Dead letters the handler accepted (removed from the table). */
  readonly replayed: number;
  /** Dead letters whose replay failed again (kept, with `attempts` + 1 and the new error). */
  readonly failed: number;
  /** Whether more dead letters matched than this call replayed. */
  readonly hasMore: boolean;
}

const PURGE_CHUNK = 1000;

/**
 * Replay and purge of dead letters. A replay calls the processor's handler (attached in this
 * process) with the dead-lettered events, in batches of `maxEventsPerRun`, never at the same
 * time as a delivery of that processor. A batch the handler accepts is removed from the table;
 * `ctx.commit(mutations)` commits the handler's effects and that removal in one commit, so a
 * replay has exactly-once effects too. A batch that fails again stays, with its attempt count
 * raised and the new error.
 */
export class DeadLetterReplayer {
  constructor(
    private readonly runtime: ProcessorRuntime,
    private readonly deps: ProcessorRuntimeDeps,
  ) {}

  replay(name: string, filter: DeadLetterFilter = {}): Promise<DeadLetterReplayReport> {
    validateProcessorName(name);
    this.runtime.checkOpen();
    const registration = this.runtime.requireRegistration(name);
    const handler = this.runtime.handler(name);
    if (handler === undefined) {
      throw new NotFoundError(
        `reactive processor '${name}' has no handler in this process: call registerReactiveProcessorHandler first`,
        { processorName: name },
      );
    }
    return this.runtime.exclusive.run(name, async () => {
      const page = this.deps.deadLetters.list(name, filter, 1000);
      const size = registration.options.maxEventsPerRun;
      let replayed = 0;
      let failed = 0;
      for (let i = 0; i < page.deadLetters.length; i += size) {
        const letters = page.deadLetters.slice(i, i + size);
        if (await this.replayBatch(name, letters)) replayed += letters.length;
        else failed += letters.length;
      }
      return { replayed, failed, hasMore: page.hasMore };
    });
  }

  /** Delete matching dead letters (default: at most 10,000). Resolves with how many. */
  purge(name: string, filter: DeadLetterFilter = {}): Promise<number> {
    validateProcessorName(name);
    this.runtime.checkOpen();
    const limit = filter.limit ?? 10_000;
    return this.runtime.exclusive.run(name, async () => {
      let purged = 0;
      while (purged < limit) {
        const chunk = Math.min(PURGE_CHUNK, limit - purged);
        const page = this.deps.deadLetters.list(name, { ...filter, limit: chunk }, chunk);
        if (page.deadLetters.length === 0) break;
        await this.deps.engine.commitInternal(this.deps.deadLetters.remove(page.deadLetters));
        purged += page.deadLetters.length;
        if (!page.hasMore) break;
      }
      return purged;
    });
  }

  private async replayBatch(
    name: string,
    letters: readonly ReactiveProcessorDeadLetter[],
  ): Promise<boolean> {
    const { deps, runtime } = this;
    const snap = deps.engine.systemSnapshot();
    const events = letters.map((d) => originalEvent(snap, d));
    const checkpointSeq = deps.checkpoints.seq(name);
    let committed: ProcessorCommitResult | undefined;
    const ctx: ProcessorHandlerContext = {
      db: deps.db,
      processorName: name,
      attempt: Math.max(...letters.map((d) => d.attempts)) + 1,
      signal: runtime.shutdownSignal,
      checkpointSeq,
      commit: async (mutations) => {
        checkUserMutations(`processorCommit '${name}' (dead-letter replay)`, mutations);
        if (committed !== undefined) return { ...committed, outcome: 'duplicate' };
        const r = await deps.engine.commitInternal([
          ...mutations,
          ...deps.deadLetters.remove(letters),
        ]);
        committed = { outcome: 'applied', commitSeq: r.commitSeq, checkpointSeq };
        return committed;
      },
    };
    const handler = runtime.handler(name);
    try {
      if (handler === undefined)
        throw new NotFoundError(`reactive processor '${name}' lost its handler`);
      await runtime.runHandler(() => handler(events, ctx));
    } catch (err) {
      runtime.reportError({
        processorName: name,
        phase: 'handler',
        error: err instanceof Error ? err : new Error(String(err)),
        attempt: ctx.attempt,
        willRetry: false,
        deadLettered: committed === undefined,
        events: events.length,
        firstSeq: events[0].commitSeq,
        lastSeq: events[events.length - 1].commitSeq,
        atMs: Date.now(),
      });
      if (committed !== undefined) return true;
      await deps.engine.commitInternal(deps.deadLetters.recordRetry(letters, err));
      return false;
    }
    if (committed === undefined) {
      await deps.engine.commitInternal(deps.deadLetters.remove(letters));
    }
    return true;
  }
}

/**
 * The event behind a dead letter, from the outbox; when retention removed it, rebuilt from the
 * dead letter (`projectId` and `scopeId` empty, `timestampMicros` 0).
 */
function originalEvent(snap: Snapshot, d: ReactiveProcessorDeadLetter): OutboxEvent {
  const page = snap.queryEvents({
    topic: d.topic,
    fromSeqExclusive: d.commitSeq - 1,
    toSeqInclusive: d.commitSeq,
    limit: 10_000,
  });
  const eventKey = d.eventKey.split(TOPIC_SEPARATOR)[0];
  const found = page.events.find((e) => e.eventKey === eventKey);
  return (
    found ?? {
      commitSeq: d.commitSeq,
      timestampMicros: 0,
      projectId: '',
      scopeId: '',
      topic: d.topic,
      eventKey,
      payloadJson: d.payloadJson,
    }
  );
}
