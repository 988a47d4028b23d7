import { STREAM_REF } from '../../contract/batchNames.js';
import type { StepmrConfig } from '../../deploy/config.js';
import type { DeployedStream } from '../../deploy/streams.js';
import type { Store } from '../../store/Store.js';
import { claimNextBatch, commitBatch } from '../../stream/claim.js';
import type { Stream } from '../../stream/defineStream.js';
import { dropOldStates } from '../../stream/dropStates.js';
import { batchJobId, publishedBatch } from '../../stream/publish.js';
import { hasOpenWindows } from '../../stream/windowState.js';
import { batchRequest, carriedOver, previousOf } from '../batchRequest.js';
import type { Backend } from '../Driver.js';
import { Driver } from '../Driver.js';
import { type AdvanceOutcome, advanceStream, MAX_BATCH_RUNS } from './advanceStream.js';
import type { DeployedStack } from './findStack.js';

/** What a stream step needs of the stack: its bucket (whole, and at a prefix) and its driver backend. */
export interface StreamStepDeps {
  /** The Store of the stack's bucket at `prefix` (`''`: the whole bucket). */
  readonly store: (prefix: string) => Store;
  /** The stack's backend: its state machine, and its `work/` to plan batches in. */
  readonly backend: Backend;
  readonly now?: () => number;
  /** How the functions load the stream. @default `stream:<name>`, from the stack's stepmr.config.ts */
  readonly module?: (stream: string) => string;
  /** Where a failure to remove old states is told (it does not stop the stream). @default console.warn */
  readonly warn?: (message: string) => void;
}

/**
 * Runs of one batch `stepmr trigger` may start, past the automatic ones, after a fix.
 *
 * @example
 * ```ts
 * advanceStream(port, manual ? MANUAL_RUNS : MAX_BATCH_RUNS);
 * ```
 */
export const MANUAL_RUNS = 100;

/**
 * One step of a registered stream on the deployed stack (see {@link advanceStream}): the claim
 * over the stack bucket (source `in/…`, checkpoint `streams/<name>/`, output `out/streams/<name>/`), and
 * a batch planned as a job of the stream (loaded by the functions as `stream:<name>`) over
 * exactly its claimed objects, published at `out/streams/<name>/batch=<N>/` (or
 * `snapshot=<N>/`), its execution named `<name>-b<N>`. Its run request is the embedded
 * runner's (see `batchRequest`): update mode's previous snapshot and a windowed stream's open
 * windows (`_state/batch=<M>/`) merged by the reducers, and the watermark the claim fixed in
 * `offsets/<N>`. A batch that took no objects is committed carrying that state over. Once a
 * batch starts, the states older than the two newest it may need are removed (see `dropOldStates`).
 *
 * @example
 * ```ts
 * const outcome = await streamStep({ config, stream, stack, manual: false }, deps);
 * ```
 */
export async function streamStep(
  request: {
    readonly config: StepmrConfig;
    readonly stream: DeployedStream;
    readonly stack: Pick<DeployedStack, 'bucket'>;
    readonly manual: boolean;
  },
  deps: StreamStepDeps,
): Promise<AdvanceOutcome> {
  const { stream } = request;
  const definition = request.config.streams?.[stream.name] as Stream | undefined;
  if (!definition || !Object.hasOwn(request.config.streams ?? {}, stream.name)) {
    throw new Error(`stream ${stream.name} is not in stepmr.config.ts`);
  }
  const settings = definition.stream;
  const bucket = deps.store('');
  const checkpoint = deps.store(stream.checkpoint);
  const where = { checkpoint, output: bucket, prefix: stream.output };
  const now = deps.now ? { now: deps.now } : {};
  const driver = new Driver(deps.backend);
  const claim = async () => {
    const claimed = await claimNextBatch({
      stream: settings.name,
      checkpoint,
      source: { store: bucket, prefix: stream.prefix },
      caps: { maxFiles: settings.maxFiles, maxBytes: settings.maxBytes },
      rewrites: settings.rewrites,
      published: (entry) => publishedBatch(bucket, stream.output, settings, entry),
      ...now,
      // A windowed stream: offsets/<N> fixes the watermark batch N runs with.
      ...(settings.window
        ? {
            watermarkDelayMs: settings.window.delayMs,
            openWindows: (folder: string) => hasOpenWindows(bucket, stream.output, folder),
          }
        : {}),
    });
    // A batch that took no objects runs no job: committed here, carrying the previous state
    // over, and advanceStream claims the next one.
    if (claimed && claimed.files.length === 0 && !claimed.closesWindows) {
      const previous = await previousOf(definition, claimed.batch, where);
      await commitBatch(checkpoint, claimed.entry, carriedOver(definition, previous), deps.now);
    }
    return claimed;
  };
  return advanceStream(
    {
      claim,
      executionName: (batch, rerun) => batchJobId(stream.name, batch, rerun),
      start: async (claimed, name) => {
        const { request, previous } = await batchRequest(definition, claimed.entry, where);
        const started = await driver.start({
          ...request,
          module: deps.module?.(stream.name) ?? `${STREAM_REF}${stream.name}`,
          overwrite: false,
          jobId: name,
          ...now,
        });
        // The states before the one this batch builds on, but the newest of them, are needed
        // no more: each batch would otherwise leave a whole snapshot or window state behind.
        if (previous) {
          await dropOldStates(bucket, stream.output, previous.folder).catch((error: unknown) =>
            (deps.warn ?? console.warn)(
              `stream ${stream.name}: old states under ${bucket.url}${stream.output} were not removed: ${error instanceof Error ? error.message : String(error)}`,
            ),
          );
        }
        return started.executionArn;
      },
      orchestrator: deps.backend.orchestrator,
      stateMachineArn: deps.backend.stateMachineArn,
    },
    request.manual ? MANUAL_RUNS : MAX_BATCH_RUNS,
  );
}
