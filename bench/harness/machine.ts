/** The machine a run happened on, for the output. */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

/** Machine, OS, runtime and repository state. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly nproc: number;
  readonly totalMemGiB: number;
  readonly freeMemGiB: number;
  readonly os: string;
  readonly node: string;
  /** `df -hT` of the temp directory (where every data directory lives). */
  readonly tmpDisk: string;
  readonly tmpDir: string;
  readonly gitCommit: string;
  /** Whether `src/` had uncommitted changes (the run measures the working tree, frozen at start). */
  readonly gitDirty: boolean;
  /** Raw output of `nproc`, `free -g` and `df -h <tmpdir>` at the start of the run. */
  readonly commands: Readonly<Record<string, string>>;
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trimEnd();
  } catch {
    return '';
  }
}

/** Collect {@link MachineInfo}. */
export function machineInfo(): MachineInfo {
  const tmp = os.tmpdir();
  const df = run('df', ['-hT', tmp]).split('\n');
  const cols = (df[1] ?? '').split(/\s+/);
  const tmpDisk =
    cols.length >= 7
      ? `${cols[0]} (${cols[1]}), size ${cols[2]}, used ${cols[3]}, avail ${cols[4]}, mounted on ${cols[6]}`
      : 'unknown';
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    nproc: os.availableParallelism(),
    totalMemGiB: os.totalmem() / 2 ** 30,
    freeMemGiB: os.freemem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tmpDisk,
    tmpDir: tmp,
    gitCommit: run('git', ['rev-parse', '--short', 'HEAD']) || 'unknown',
    gitDirty: run('git', ['status', '--porcelain', '--', 'src']).length > 0,
    commands: {
      nproc: run('nproc', []),
      'free -g': run('free', ['-g']),
      [`df -h ${tmp}`]: run('df', ['-h', tmp]),
    },
  };
}
