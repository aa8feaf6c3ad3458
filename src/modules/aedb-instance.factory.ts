import { Logger } from '@nestjs/common';
import { AedbInstance } from '../aedb-instance';
import type { RecoveryReport } from '../storage/recovery/recovery-report';
import type { ResolvedAedbModuleOptions } from './aedb-module-options.interface';

const logger = new Logger('AedbModule');

/**
 * Open the instance: take the directory lock and run crash recovery. This is the factory of
 * an async provider, so Nest finishes creating the application (and `app.init()` resolves)
 * only after recovery; a `LockedError` (another process holds the directory; its message
 * names the pid) or a `CorruptionError` fails startup.
 * @internal
 */
export async function openAedbInstance(options: ResolvedAedbModuleOptions): Promise<AedbInstance> {
  const db = await AedbInstance.open(options.dataDir, options.config);
  logger.log(describeOpen(options.name, db.dir, db.recoveryReport));
  for (const warning of recoveryWarnings(db.recoveryReport)) logger.warn(warning);
  if (options.secure) {
    logger.warn(
      `Instance "${options.name}" runs with secure: true: AedbCallerGuard rejects requests without a caller. ` +
        'Engine-side caller enforcement on every call is not implemented yet (see docs/nestjs.md).',
    );
  }
  return db;
}

/** The log line of a successful open. */
function describeOpen(name: string, dir: string, r: RecoveryReport): string {
  const from = r.checkpoint === undefined ? 'no checkpoint' : `checkpoint seq ${r.checkpoint.seq}`;
  return (
    `Opened ${dir} (instance "${name}"): recovered to seq ${r.recoveredSeq} in ` +
    `${r.durationMs.toFixed(1)} ms (${from}, ${r.framesReplayed} WAL frames replayed)`
  );
}

/** What recovery cut, dropped, skipped or quarantined: worth a warning. */
function recoveryWarnings(r: RecoveryReport): string[] {
  const out: string[] = [];
  if (r.tornTail !== undefined) {
    out.push(
      `Recovery cut a torn WAL tail (an unacknowledged last write): ${JSON.stringify(r.tornTail)}`,
    );
  }
  if (r.dropped !== undefined) {
    out.push(`Permissive recovery dropped a damaged part of the WAL: ${JSON.stringify(r.dropped)}`);
  }
  for (const skipped of r.skippedCheckpoints) {
    out.push(`Recovery skipped checkpoint ${skipped.file}: ${skipped.reason}`);
  }
  if (r.quarantined.length > 0) {
    out.push(`Recovery moved files to quarantine/: ${r.quarantined.join(', ')}`);
  }
  return out;
}
