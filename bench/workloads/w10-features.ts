/**
 * W10: the feature workloads, one group of scenarios per file: typed tables (`w10-tables.ts`),
 * envelopes with atomic numerics and a postflight check (`w10-envelope.ts`), hot-key conflicts
 * with read sets (`w10-conflicts.ts`), event emission (`w10-events.ts`) and reactive processors
 * (`w10-processors.ts`). Scenarios no peer can run are aedb only and say why.
 */
import { w10Conflicts } from './w10-conflicts';
import { w10Envelope } from './w10-envelope';
import { w10Events } from './w10-events';
import { w10Processors } from './w10-processors';
import { w10Tables } from './w10-tables';
import type { ScenarioGroup, Workload } from './workload';

const GROUPS: readonly ScenarioGroup[] = [
  w10Tables,
  w10Envelope,
  w10Conflicts,
  w10Events,
  w10Processors,
];

/** W10. */
export const w10Features: Workload = {
  id: 'W10',
  name: 'features',
  summary:
    'Feature workloads: typed-table upserts with two secondary indexes (vs. SQLite), transfer ' +
    'envelopes with two atomic numerics and a postflight check (vs. SQLite and lmdb ' +
    'transactions), and aedb only: hot-key read-set conflicts, event emission, processor ' +
    'catch-up and commit-to-processor latency.',
  scenarios: GROUPS.flatMap((g) => g.scenarios),
  run(req) {
    const group = GROUPS.find((g) => g.scenarios.some((s) => s.id === req.scenario));
    if (group === undefined) throw new Error(`W10: unknown scenario ${req.scenario}`);
    return group.run(req);
  },
};
