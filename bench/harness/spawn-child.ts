/** Run one {@link ChildRequest} in a fresh node process and read its {@link ChildResult}. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { ChildRequest, ChildResult } from './protocol';

/** How children are started. */
export interface SpawnSettings {
  /** Directory of `--cpu-prof` output, or undefined for no profiling. */
  readonly cpuProfDir: string | undefined;
  readonly timeoutSec: number;
  /** The child entry point (in the run's frozen copy of the code). */
  readonly childScript: string;
}

/** Spawn the child, wait for it, and return what it wrote (or a result carrying the error). */
export function runChild(req: ChildRequest, settings: SpawnSettings): Promise<ChildResult> {
  const requestFile = req.resultFile.replace(/\.result\.json$/, '.request.json');
  fs.writeFileSync(requestFile, JSON.stringify(req));
  const args = ['--expose-gc'];
  if (settings.cpuProfDir !== undefined) {
    const name = `${req.workload}-${req.scenario}-${req.engine}-${req.phase}-rep${req.rep}`;
    args.push(
      '--cpu-prof',
      `--cpu-prof-dir=${settings.cpuProfDir}`,
      `--cpu-prof-name=${name}.cpuprofile`,
    );
  }
  args.push(settings.childScript, requestFile);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, settings.timeoutSec * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      fs.rmSync(requestFile, { force: true });
      let result: ChildResult | undefined;
      try {
        result = JSON.parse(fs.readFileSync(req.resultFile, 'utf8')) as ChildResult;
        fs.rmSync(req.resultFile, { force: true });
      } catch {
        result = undefined;
      }
      if (result !== undefined && (code === 0 || result.error !== undefined)) {
        resolve(result);
        return;
      }
      const why = timedOut
        ? `timed out after ${settings.timeoutSec} s`
        : `exited with ${code === null ? `signal ${String(signal)}` : `code ${code}`}`;
      resolve({
        rows: [],
        handoff: null,
        loadavgStart: [],
        loadavgEnd: [],
        error: `child ${why}\n${output.trim()}`,
      });
    });
  });
}
