import { stat, writeFile } from 'node:fs/promises';
import { JOB_ID } from '../contract/names.js';
import type { SuccessData } from '../contract/persisted.js';
import { JobRegistry } from '../runtime/embedded/jobRegistry.js';
import { toUri } from '../store/uri.js';
import { readSuccess } from '../tasks/manifest.js';
import { ReportError } from './errors.js';
import { chartLibraries, renderReport } from './renderReport.js';
import { reportData } from './reportData.js';

/**
 * The `_SUCCESS` of a job: `target` is its output location (a folder, `file://` or `s3://`
 * URI), or the id of a job run on this machine (found in its registry).
 *
 * @example
 * ```ts
 * const manifest = await loadManifest('out/wordcount');
 * ```
 */
export async function loadManifest(
  target: string,
  registry: JobRegistry = JobRegistry.ofHome(),
): Promise<SuccessData> {
  let output = target;
  let jobId: string | undefined;
  const isFolder = (await stat(target).catch(() => undefined))?.isDirectory() === true;
  if (!isFolder && JOB_ID.test(target)) {
    const record = await registry.read(target);
    if (!record) {
      throw new ReportError(
        `job ${target} is not in this machine's job registry (${registry.dir}); give the job's output location instead (a folder or an s3:// URI)`,
      );
    }
    output = record.output;
    jobId = record.jobId;
  }
  const uri = toUri(output).replace(/\/?$/, '/');
  const manifest = await readSuccess(uri);
  if (!manifest) {
    throw new ReportError(
      `no _SUCCESS at ${uri}: the report is drawn from a committed job's output; give the output location of a job that succeeded`,
    );
  }
  if (jobId !== undefined && manifest.jobId !== jobId) {
    throw new ReportError(
      `job ${jobId}'s output ${uri} now holds the result of job ${manifest.jobId}: a job's report is drawn from its _SUCCESS, which a later job replaced; report ${manifest.jobId} instead`,
    );
  }
  return manifest;
}

/**
 * Writes the job report of `target` (see {@link loadManifest}) to `file`: one HTML page that
 * works offline. Returns what it drew from.
 *
 * @example
 * ```ts
 * await writeReport('out/wordcount', 'wordcount.html');
 * ```
 */
export async function writeReport(
  target: string,
  file: string,
  registry?: JobRegistry,
): Promise<SuccessData> {
  const manifest = await loadManifest(target, registry);
  await writeFile(file, renderReport(reportData(manifest), await chartLibraries()));
  return manifest;
}
