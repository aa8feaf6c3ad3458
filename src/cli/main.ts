#!/usr/bin/env node
/**
 * The `aedb` command line.
 *
 * ```
 * aedb info       --data-dir <dir> [--hash-chain] [--hmac-key-hex <hex>] [--permissive]
 * aedb checkpoint --data-dir <dir> [--hash-chain] [--hmac-key-hex <hex>] [--permissive]
 * aedb verify     --data-dir <dir> [--hash-chain] [--hmac-key-hex <hex>] [--permissive]
 * ```
 *
 * `info` and `checkpoint` open the directory (taking its lock, so not while an application has
 * it open), which runs recovery: a torn WAL tail is cut, exactly as the application would on its
 * next open. `verify` takes the lock too but changes nothing: it checks every checkpoint, the
 * whole WAL, a read-only replay and the invariants of the recovered state, prints one line per
 * check and exits 1 when any check fails.
 */
import { parseArgs } from 'node:util';
import { AedbInstance } from '../aedb-instance';
import type { AedbConfigInput } from '../storage/config';
import { AedbError } from '../storage/errors';
import { verifyDatabase } from '../storage/verify/verify-database';

const USAGE = `usage:
  aedb info       --data-dir <dir> [--hash-chain] [--hmac-key-hex <hex>] [--permissive]
  aedb checkpoint --data-dir <dir> [--hash-chain] [--hmac-key-hex <hex>] [--permissive]
  aedb verify     --data-dir <dir> [--hash-chain] [--hmac-key-hex <hex>] [--permissive]`;

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
  if (
    (command !== 'info' && command !== 'checkpoint' && command !== 'verify') ||
    values['data-dir'] === undefined
  ) {
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
  if (command === 'verify') return verify(values['data-dir'], config, out);
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

/** `aedb verify`: one line per check; exit 0 when all pass, 1 otherwise. */
async function verify(
  dir: string,
  config: AedbConfigInput,
  out: (line: string) => void,
): Promise<number> {
  try {
    const report = await verifyDatabase(dir, {
      hashChain: config.hashChain,
      hmacKey: config.hmacKey,
      recoveryMode: config.recoveryMode,
    });
    out(`data dir        ${report.dir}`);
    for (const c of report.checks)
      out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(12)}${c.detail}`);
    for (const note of report.notes) out(`note  ${note}`);
    out(
      report.ok
        ? `verified        all ${report.checks.length} checks pass (${report.durationMs.toFixed(0)} ms)`
        : `verify FAILED   ${report.checks.filter((c) => !c.ok).length} of ${report.checks.length} checks`,
    );
    return report.ok ? 0 : 1;
  } catch (err) {
    out(err instanceof AedbError ? `${err.code}: ${err.message}` : String(err));
    return 1;
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
