/** Command-line options of `npm run bench`. */
import { ENGINE_IDS, type EngineId } from './protocol';

/** Parsed options. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly reps: number;
  /** Engines to run (all when the filter is empty). */
  readonly engines: readonly EngineId[];
  /** `W4` or `W4:random` filters (all when empty). */
  readonly workloads: readonly string[];
  /** Write a V8 CPU profile of every child to `bench/results/profiles/`. */
  readonly cpuProf: boolean;
  /** Result file base name in `bench/results/` (`latest`, `latest-quick`, `latest-partial`). */
  readonly out: string;
  /** Kill a child that runs longer than this. */
  readonly timeoutSec: number;
  readonly help: boolean;
}

/** The usage text. */
export const USAGE = `npm run bench -- [options]

  --quick              small data (100,000 rows) and short loops, 1 repetition: < 3 minutes
  --reps N             repetitions per engine (default 3; 1 with --quick)
  --engine a,b         only these engines (${ENGINE_IDS.join(', ')})
  --workload W1,W4:random,W10:envelope
                       only these workloads (or workload:scenario; a scenario filter also
                       selects the scenarios whose id starts with it and a dash)
  --cpu-prof           write a V8 CPU profile per child to bench/results/profiles/
  --out NAME           results as bench/results/NAME.{json,md,svg} (default: latest for a full
                       unfiltered run, latest-quick with --quick, latest-partial when filtered)
  --timeout SECONDS    kill a child process after this long (default 900)
  --help`;

function splitList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Parse `argv` (without node and script). Throws with a message on a bad option. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let reps: number | undefined;
  const engines: EngineId[] = [];
  const workloads: string[] = [];
  let cpuProf = false;
  let out: string | undefined;
  let timeoutSec = 900;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.indexOf('=');
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string => {
      if (eq > 0) return raw.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--reps':
        reps = Number(value());
        if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be an integer >= 1');
        break;
      case '--engine':
      case '--engines':
        for (const e of splitList(value())) {
          if (!(ENGINE_IDS as readonly string[]).includes(e)) {
            throw new Error(`unknown engine ${e} (known: ${ENGINE_IDS.join(', ')})`);
          }
          engines.push(e as EngineId);
        }
        break;
      case '--workload':
      case '--workloads':
        workloads.push(...splitList(value()).map((w) => w.toUpperCase()));
        break;
      case '--cpu-prof':
        cpuProf = true;
        break;
      case '--out':
        out = value();
        if (!/^[A-Za-z0-9._-]+$/.test(out)) throw new Error('--out must be a plain file name');
        break;
      case '--timeout':
        timeoutSec = Number(value());
        if (!(timeoutSec > 0)) throw new Error('--timeout must be a positive number');
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`unknown option ${raw}\n\n${USAGE}`);
    }
  }
  const filtered = engines.length > 0 || workloads.length > 0;
  return {
    quick,
    reps: reps ?? (quick ? 1 : 3),
    engines,
    workloads,
    cpuProf,
    out: out ?? (quick ? 'latest-quick' : filtered ? 'latest-partial' : 'latest'),
    timeoutSec,
    help,
  };
}
