#!/usr/bin/env node
/**
 * The `aedb` command line.
 *
 * ```
 * aedb info       --data-dir <dir> [--hash-chain] [--hmac-key-hex <hex>] [--permissive]
 * aedb checkpoint --data-dir <dir> [--hash-chain] [--hmac-key-hex <hex>] [--permissive]
 * ```
 *
 * Both open the directory (taking its lock, so not while an application has it open), which
 * runs recovery: a torn WAL tail is cut, exactly as the application would on its next open.
 */
import { parseArgs } from 'node:util';
import { AedbInstance } from '../aedb-instance';
import type { AedbConfigInput } from '../storage/config';
import { AedbError } from '../storage/errors';

const USAGE = `usage:
  aedb info       --data-dir <dir> [--hash-chain] [--hmac-key-hex <hex>] [--permissive]
  aedb checkpoint --data-dir <dir> [--hash-chain] [--hmac-key-hex <hex>] [--permissive]`;

/** Run the CLI with `argv` (without node and script); resolves with the exit code. */
export async function runCli(
  argv: string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  const [command, ...rest] = argv;
  let values: {
    'data-dir'?: string;
    'hash-chain'?: boolean;
    'hmac-key-hex'?: string;
    permissive?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        'data-dir': { type: 'string' },
        'hash-chain': { type: 'boolean' },
        'hmac-key-hex': { type: 'string' },
        permissive: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    out(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if ((command !== 'info' && command !== 'checkpoint') || values['data-dir'] === undefined) {
    out(USAGE);
    return 2;
  }
  const config: AedbConfigInput = {
    checkpointOnClose: false,
    checkpointIntervalMs: 0,
    hashChain: values['hash-chain'] === true,
    recoveryMode: values.permissive === true ? 'permissive' : 'strict',
  };
  if (values['hmac-key-hex'] !== undefined) {
    if (!/^([0-9a-fA-F]{2})+$/.test(values['hmac-key-hex'])) {
      out('--hmac-key-hex: expected an even number of hex digits');
      return 2;
    }
    config.hmacKey = Buffer.from(values['hmac-key-hex'], 'hex');
  }
  let db: AedbInstance;
  try {
    db = await AedbInstance.open(values['data-dir'], config);
  } catch (err) {
    out(err instanceof AedbError ? `${err.code}: ${err.message}` : String(err));
    return 1;
  }
  try {
    const report = db.recoveryReport;
    out(`data dir        ${db.dir}`);
    out(`recovered seq   ${report.recoveredSeq} in ${report.durationMs.toFixed(1)} ms`);
    out(
      `checkpoint      ${report.checkpoint ? `${report.checkpoint.file} (seq ${report.checkpoint.seq}, ${report.checkpoint.entries} entries)` : 'none'}`,
    );
    out(`WAL frames      ${report.framesScanned} scanned, ${report.framesReplayed} replayed`);
    if (report.skippedCheckpoints.length > 0) {
      for (const s of report.skippedCheckpoints) out(`skipped         ${s.file}: ${s.reason}`);
    }
    if (report.tornTail)
      out(
        `torn tail cut   ${report.tornTail.file} at ${report.tornTail.offset} (${report.tornTail.bytes} bytes)`,
      );
    if (report.dropped)
      out(
        `dropped         ${report.dropped.file} at ${report.dropped.offset}: ${report.dropped.reason}`,
      );
    if (command === 'info') {
      const snap = db.snapshot();
      for (const project of snap.listProjects()) {
        for (const scope of snap.listScopes(project)) {
          const tables = snap.listTables(project, scope);
          out(
            `scope           ${project}.${scope}: ${tables.length} table(s)${tables.length ? ` (${tables.join(', ')})` : ''}`,
          );
        }
      }
    } else {
      const event = await db.checkpointNow();
      out(
        event
          ? `checkpoint      ${event.file} (seq ${event.seq}, ${event.bytes} bytes, ${event.durationMs.toFixed(0)} ms)`
          : 'checkpoint      nothing new since the last one',
      );
    }
    return 0;
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
