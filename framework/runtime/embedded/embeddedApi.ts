import type { RunSummary } from '../Driver.js';
import type { EmbeddedRedrive, EmbeddedRun } from './runEmbedded.js';
import type { EmbeddedStream, StreamRunSummary } from './streamEmbedded.js';

/**
 * Runs a job on this machine (see `runEmbedded` in runEmbedded.ts), importing the embedded
 * runtime (engine, worker pool) on the call: a job module imports stepmr too, and its workers
 * need none of it.
 *
 * @example
 * ```ts
 * const summary = await runEmbedded({ job: 'examples/wordcount', inputs: ['corpus'], output: 'out/wc' });
 * console.log(summary.manifest.records.out);
 * ```
 */
export async function runEmbedded(run: EmbeddedRun): Promise<RunSummary> {
  return (await import('./runEmbedded.js')).runEmbedded(run);
}

/**
 * Redrives a job run on this machine that succeeded with tolerated map failures (see
 * `redriveEmbedded` in runEmbedded.ts), importing the embedded runtime on the call.
 *
 * @example
 * ```ts
 * const summary = await redriveEmbedded({ output: 'out/wc' });
 * console.log(summary.manifest.failedSplits.length); // 0 once every split succeeded
 * ```
 */
export async function redriveEmbedded(run: EmbeddedRedrive): Promise<RunSummary> {
  return (await import('./runEmbedded.js')).redriveEmbedded(run);
}

/**
 * Runs a stream's micro-batches on this machine (see `runStreamEmbedded` in streamEmbedded.ts),
 * importing the embedded runtime on the call.
 *
 * @example
 * ```ts
 * const summary = await runStreamEmbedded({ stream: 'examples/clickstream', source: 'inbox', output: 'out/clicks', once: true });
 * ```
 */
export async function runStreamEmbedded(options: EmbeddedStream): Promise<StreamRunSummary> {
  return (await import('./streamEmbedded.js')).runStreamEmbedded(options);
}
