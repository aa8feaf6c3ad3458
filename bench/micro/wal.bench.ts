/**
 * WAL micro benchmark: frames per second for 100-byte payloads with the chain off, the chain on,
 * and chain + HMAC, in three shapes:
 *
 * - `encode`: build frames into the batch buffer only (CPU cost per frame, no I/O);
 * - `flush`: encode batches of `batch` frames and write each with one writeSync (page cache);
 * - `sync`: the same plus one awaited fdatasync per batch (what `full` durability pays), and
 *   the p50/p99 latency of flush + fdatasync per batch.
 *
 * Then the recovery scan rate over the log written by `sync`. The `flush` line also reports CPU
 * time per frame (process.cpuUsage), steadier than wall time on a shared machine.
 *
 *   node -r @swc-node/register bench/micro/wal.bench.ts [frames] [--batch=N]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { scanWal } from '../../src/storage/wal/wal-reader';
import { WalWriter } from '../../src/storage/wal/wal-writer';

interface Config {
  name: string;
  hashChain: boolean;
  hmacKey?: Buffer;
}

const PAYLOAD = randomBytes(100);

function openWriter(cfg: Config): { w: WalWriter; root: string; dir: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'aedb-wal-bench-'));
  const dir = path.join(root, 'wal');
  const w = WalWriter.open({
    dir,
    nextSeq: 1,
    prevChain: Buffer.alloc(32),
    hashChain: cfg.hashChain,
    maxSegmentBytes: 256 * 1024 * 1024,
    ...(cfg.hmacKey === undefined ? {} : { hmacKey: cfg.hmacKey }),
  });
  return { w, root, dir };
}

function frame(w: WalWriter, seq: number): void {
  w.beginFrame(seq, 1_700_000_000_000_000 + seq, 1).bytes(PAYLOAD);
  w.endFrame();
}

function rate(n: number, ns: bigint): string {
  const perSec = (n * 1e9) / Number(ns);
  return `${(perSec / 1e6).toFixed(2)} M frames/s (${(Number(ns) / n).toFixed(0)} ns/frame)`;
}

async function benchConfig(cfg: Config, n: number, batch: number): Promise<void> {
  // Encode and flush: time the in-memory framing and the writeSync of each batch separately.
  {
    const { w, root } = openWriter(cfg);
    let seq = 1;
    for (let i = 0; i < 20_000; i++) frame(w, seq++); // warm-up
    w.flush();
    let encodeNs = 0n;
    let writeNs = 0n;
    const cpu0 = process.cpuUsage();
    for (let done = 0; done < n;) {
      const t0 = process.hrtime.bigint();
      const end = Math.min(n, done + batch);
      for (; done < end; done++) frame(w, seq++);
      const t1 = process.hrtime.bigint();
      w.flush();
      writeNs += process.hrtime.bigint() - t1;
      encodeNs += t1 - t0;
    }
    const cpu = process.cpuUsage(cpu0);
    await w.close();
    rmSync(root, { recursive: true, force: true });
    const cpuNs = ((cpu.user + cpu.system) * 1000) / n;
    console.log(`  ${cfg.name.padEnd(12)} encode   ${rate(n, encodeNs)}`);
    console.log(
      `  ${cfg.name.padEnd(12)} flush    ${rate(n, encodeNs + writeNs)}; CPU ${cpuNs.toFixed(0)} ns/frame`,
    );
  }
  {
    const { w, root, dir } = openWriter(cfg);
    const batches = Math.max(50, Math.min(2000, Math.floor(n / batch / 20)));
    const lat: number[] = [];
    let seq = 1;
    const start = process.hrtime.bigint();
    for (let b = 0; b < batches; b++) {
      for (let i = 0; i < batch; i++) frame(w, seq++);
      const t0 = process.hrtime.bigint();
      w.flush();
      await w.sync();
      lat.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    const total = process.hrtime.bigint() - start;
    lat.sort((a, b) => a - b);
    const p = (q: number): string => lat[Math.floor(q * (lat.length - 1))].toFixed(0);
    console.log(
      `  ${cfg.name.padEnd(12)} sync     ${rate(batches * batch, total)}; flush+fdatasync p50 ${p(0.5)} µs, p99 ${p(0.99)} µs (${batches} batches)`,
    );
    await w.close();
    const t = process.hrtime.bigint();
    let frames = 0;
    scanWal(dir, {
      afterSeq: 0,
      hashChain: cfg.hashChain,
      ...(cfg.hmacKey === undefined ? {} : { hmacKey: cfg.hmacKey }),
      mode: 'strict',
      onFrame: () => {
        frames++;
      },
    });
    console.log(`  ${cfg.name.padEnd(12)} scan     ${rate(frames, process.hrtime.bigint() - t)}`);
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const batchArg = process.argv.find((a) => a.startsWith('--batch='));
  const batch = batchArg === undefined ? 64 : Number(batchArg.slice('--batch='.length));
  console.log(`WAL micro benchmark: ${n} frames, 100-byte payloads, ${batch} frames per batch`);
  const configs: Config[] = [
    { name: 'chain off', hashChain: false },
    { name: 'chain on', hashChain: true },
    { name: 'chain+HMAC', hashChain: true, hmacKey: randomBytes(32) },
  ];
  for (const cfg of configs) await benchConfig(cfg, n, batch);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
