/**
 * A standalone demo (no NestJS): opens `./data` (or AEDB_DATA_DIR), creates a
 * small schema the first time, commits a few writes, queries them and prints what it did.
 * Run it with `node -r @swc-node/register examples/demo/main.ts`; run it twice to see the data
 * survive a restart (and a SIGKILL: kill it with Ctrl-\).
 */
import * as path from 'node:path';
import { AedbInstance, Expr, Query, isAedbError } from '../../src/index';

async function main(): Promise<void> {
  const dir = path.resolve(process.env.AEDB_DATA_DIR ?? './data');
  const db = await AedbInstance.open(dir, { durabilityMode: 'full' });
  const report = db.recoveryReport;
  console.log(`opened ${dir}`);
  console.log(
    `  recovered to seq ${report.recoveredSeq} in ${report.durationMs.toFixed(1)} ms ` +
      `(checkpoint: ${report.checkpoint ? `seq ${report.checkpoint.seq}` : 'none'}, ` +
      `WAL frames replayed: ${report.framesReplayed}${report.tornTail ? ', torn tail cut' : ''})`,
  );

  await db.createProject('demo', { ifNotExists: true });
  await db.createScope('demo', 'shop', { ifNotExists: true });
  await db.createTable({
    projectId: 'demo',
    scopeId: 'shop',
    tableName: 'orders',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'customer', type: 'text' },
      { name: 'total', type: 'u64' },
      { name: 'placedAt', type: 'timestamp' },
    ],
    primaryKey: ['id'],
    ifNotExists: true,
  });
  await db.createIndex({
    projectId: 'demo',
    scopeId: 'shop',
    tableName: 'orders',
    indexName: 'by_customer',
    columns: ['customer'],
    ifNotExists: true,
  });

  // One atomic commit: a new order plus a KV counter of orders placed.
  const counter = await db.kvGet('demo', 'shop', 'orders/count');
  const count = counter === undefined ? 0 : Number(Buffer.from(counter.value).toString());
  const id = count + 1;
  const customers = ['alice', 'bob', 'carol'];
  const customer = customers[id % customers.length];
  const result = await db.commitMany([
    {
      type: 'insert',
      projectId: 'demo',
      scopeId: 'shop',
      tableName: 'orders',
      row: { id, customer, total: BigInt(100 * id), placedAt: new Date() },
    },
    { type: 'kvSet', projectId: 'demo', scopeId: 'shop', key: 'orders/count', value: String(id) },
  ]);
  console.log(`committed order #${id} for ${customer} at seq ${result.commitSeq} (durable)`);

  // A failed commit changes nothing: inserting the same id again is rejected.
  try {
    await db.commit({
      type: 'insert',
      projectId: 'demo',
      scopeId: 'shop',
      tableName: 'orders',
      row: { id, customer: 'mallory', total: 1n, placedAt: new Date() },
    });
  } catch (err) {
    if (!isAedbError(err, 'ALREADY_EXISTS')) throw err;
    console.log(`duplicate insert rejected: ${err.code} (${err.message})`);
  }

  const byCustomer = await db.query(
    'demo',
    'shop',
    Query.select('id', 'total')
      .from('orders')
      .where(Expr.eq('customer', customer))
      .orderBy('id', 'desc')
      .limit(5),
  );
  console.log(`orders of ${customer} (plan: ${byCustomer.plan.kind}):`, byCustomer.rows);

  const latest = await db.query(
    'demo',
    'shop',
    Query.select('*').from('orders').orderBy('id', 'desc').limit(3),
  );
  console.log(`latest orders at snapshot seq ${latest.snapshotSeq}:`);
  for (const row of latest.rows) console.log('  ', row);

  const m = db.operationalMetrics();
  console.log(
    `metrics: ${m.commitsTotal} commits this run, avg latency ${m.avgCommitLatencyMicros.toFixed(0)} µs, ` +
      `avg fsync ${m.avgWalSyncMicros.toFixed(0)} µs, durable head ${m.durableHeadSeq}`,
  );
  await db.close();
  console.log(
    'closed (checkpoint written, lock released). Run the demo again to see the data persist.',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
