import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type LocalJobRecord, localJobRecordSchema, stopRequestSchema } from '../../contract/localJob.js';
import { JOB_ID } from '../../contract/names.js';
import { parsePersisted } from '../../contract/persisted.js';

/** Records kept: writing a new job's record removes the oldest past this many. */
const KEEP = 200;

/**
 * stepmr's folder in the user's home: `$STEPMR_HOME`, else `~/.stepmr`.
 *
 * @example
 * ```ts
 * const registry = new JobRegistry(join(stepmrHome(), 'jobs'));
 * ```
 */
export function stepmrHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.STEPMR_HOME || join(homedir(), '.stepmr');
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The registry of jobs run on this machine: one JSON record per job (see
 * `localJobRecordSchema`), which the process running it rewrites as the run goes, and the stop
 * requests of `stepmr stop`. A record that does not parse is treated as absent. Only the newest
 * 200 records are kept.
 *
 * @example
 * ```ts
 * const registry = JobRegistry.ofHome();
 * const record = await registry.read('wordcount-20261201T030000-3fa9c1');
 * ```
 */
export class JobRegistry {
  constructor(readonly dir: string) {}

  /** The registry under {@link stepmrHome}. */
  static ofHome(env: NodeJS.ProcessEnv = process.env): JobRegistry {
    return new JobRegistry(join(stepmrHome(env), 'jobs'));
  }

  #file(jobId: string, suffix = '.json'): string {
    if (!JOB_ID.test(jobId)) throw new RangeError(`"${jobId}" is not a job id`);
    return join(this.dir, `${jobId}${suffix}`);
  }

  /** Writes a job's record whole (a reader never sees half of it). */
  async write(record: LocalJobRecord): Promise<void> {
    const file = this.#file(record.jobId);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const fresh = !(await stat(file).catch(() => undefined));
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    await rename(temporary, file);
    if (fresh) await this.#prune();
  }

  /** A job's record, or undefined when there is none (or it is not a job id). */
  async read(jobId: string): Promise<LocalJobRecord | undefined> {
    if (!JOB_ID.test(jobId)) return undefined;
    const parsed = parsePersisted(localJobRecordSchema, await readJson(this.#file(jobId)));
    return parsed.ok ? parsed.value : undefined;
  }

  /** Every record. */
  async list(): Promise<LocalJobRecord[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const ids = names
      .filter((n) => n.endsWith('.json') && !n.endsWith('.stop.json'))
      .map((n) => n.slice(0, -5));
    const records = await Promise.all(ids.map((id) => this.read(id)));
    return records.filter((r): r is LocalJobRecord => r !== undefined);
  }

  /** Asks the process running a job to stop it, with this error and cause. */
  async requestStop(jobId: string, request: { error: string; cause: string }): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(this.#file(jobId, '.stop.json'), `${JSON.stringify(request)}\n`, { mode: 0o600 });
  }

  /** The stop request for a job, if any. */
  async stopRequest(jobId: string): Promise<{ error: string; cause: string } | undefined> {
    const parsed = parsePersisted(stopRequestSchema, await readJson(this.#file(jobId, '.stop.json')));
    return parsed.ok ? parsed.value : undefined;
  }

  /** Removes a job's stop request. */
  async clearStop(jobId: string): Promise<void> {
    await rm(this.#file(jobId, '.stop.json'), { force: true });
  }

  /** Removes the oldest records (and their stop requests) past the newest {@link KEEP}. */
  async #prune(): Promise<void> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter(
      (n) => n.endsWith('.json') && !n.endsWith('.stop.json'),
    );
    if (names.length <= KEEP) return;
    const dated = await Promise.all(
      names.map(async (n) => ({
        n,
        at: (await stat(join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0,
      })),
    );
    dated.sort((a, b) => b.at - a.at);
    for (const { n } of dated.slice(KEEP)) {
      await rm(join(this.dir, n), { force: true });
      await rm(join(this.dir, n.replace(/\.json$/, '.stop.json')), { force: true });
    }
  }
}
