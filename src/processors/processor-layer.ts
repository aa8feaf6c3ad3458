import type { AedbInstance } from '../aedb-instance';
import { CheckpointStore } from './checkpoint-store';
import { DeadLetterReplayer } from './dead-letter-replay';
import { DeadLetterStore } from './dead-letter-store';
import { EventRetention } from './event-retention';
import { KeyedState } from './keyed-state';
import { ProcessorCommitter } from './processor-commit';
import { ProcessorContext } from './processor-context';
import type { ProcessorEngine } from './processor-engine';
import { ProcessorHealthMonitor } from './processor-health';
import { ProcessorRuntime } from './processor-runtime';
import { RegistryStore } from './registry-store';

/**
 * The processor layer of one database, wired once: stores, runtime, health, exactly-once
 * primitives, keyed state and retention. `AedbInstance` delegates every processor method here.
 * @internal
 */
export class ProcessorLayer {
  readonly checkpoints: CheckpointStore;
  readonly registry: RegistryStore;
  readonly deadLetters: DeadLetterStore;
  readonly committer: ProcessorCommitter;
  readonly runtime: ProcessorRuntime;
  readonly replayer: DeadLetterReplayer;
  readonly health: ProcessorHealthMonitor;
  readonly keyed: KeyedState;
  readonly retention: EventRetention;

  constructor(
    private readonly db: AedbInstance,
    engine: ProcessorEngine,
  ) {
    this.checkpoints = new CheckpointStore(engine);
    this.registry = new RegistryStore(engine);
    this.deadLetters = new DeadLetterStore(engine);
    this.committer = new ProcessorCommitter(engine, this.checkpoints);
    const deps = {
      db,
      engine,
      checkpoints: this.checkpoints,
      registry: this.registry,
      deadLetters: this.deadLetters,
      processorCommit: this.committer.commit.bind(this.committer),
    };
    this.runtime = new ProcessorRuntime(deps);
    this.replayer = new DeadLetterReplayer(this.runtime, deps);
    this.health = new ProcessorHealthMonitor(engine, this.checkpoints, this.runtime);
    this.keyed = new KeyedState(db);
    this.retention = new EventRetention(engine, this.checkpoints, this.registry);
  }

  /** A new processor context (see {@link ProcessorContext}). */
  context(
    projectId: string,
    scopeId: string,
    processorId: string,
    sourceEvent: string,
  ): ProcessorContext {
    return new ProcessorContext(
      {
        keyed: this.keyed,
        snapshot: () => this.db.snapshot(),
        pull: (eventName, id, max) => this.committer.pull(eventName, id, max),
        commit: (id, seq, mutations) => this.committer.commit(id, seq, mutations),
      },
      projectId,
      scopeId,
      processorId,
      sourceEvent,
    );
  }
}
