import { STREAM_REF } from '../../contract/batchNames.js';
import type { StepmrConfig } from '../../deploy/config.js';
import type { DeployedStream } from '../../deploy/streams.js';
import { resolveOptions } from '../../job/options.js';
import type { InputFile } from '../../plan/listInputs.js';
import type { Store } from '../../store/Store.js';
import { readCommit } from '../../stream/checkpoint.js';
import { claimNextBatch } from '../../stream/claim.js';
import type { Stream } from '../../stream/defineStream.js';
import { batchFolder, batchJobId, publishedBatch } from '../../stream/publish.js';
import { readSuccess } from '../../tasks/manifest.js';
import type { Backend } from '../Driver.js';
import { Driver } from '../Driver.js';
import { splitsPerTaskFor } from '../splitsPerTask.js';
import { type AdvanceOutcome, advanceStream, MAX_BATCH_RUNS } from './advanceStream.js';
import type { DeployedStack } from './findStack.js';

/** What a stream step needs of the stack: its bucket (whole, and at a prefix) and its driver backend. */
export interface StreamStepDeps {
  /** The Store of the stack's bucket at `prefix` (`''`: the whole bucket). */
  readonly store: (prefix: string) => Store;
  /** The stack's backend: its state machine, and its `work/` to plan batches in. */
  readonly backend: Backend;
  readonly now?: () => number;
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

/** The snapshot an update-mode batch N folds into: the parts of the one batch N-1 committed. */
async function previousSnapshot(
  checkpoint: Store,
  output: string,
  name: string,
  batch: number,
): Promise<InputFile[]> {
  if (batch === 0) return [];
  const commit = await readCommit(checkpoint, name, batch - 1);
  if (!commit?.published) return [];
  const location = `${output}${commit.published}`;
  const manifest = await readSuccess(location);
  return (manifest?.parts ?? []).map((part) => ({ uri: `${location}${part.name}`, size: part.bytes }));
}

/**
 * One step of a registered stream on the deployed stack (see {@link advanceStream}): the claim
 * over the stack bucket (source `in/…`, checkpoint `streams/<name>/`, output `out/streams/<name>/`), and
 * a batch planned as a job of the stream (loaded by the functions as `stream:<name>`) over
 * exactly its claimed objects (and, in update mode, the previous snapshot), published at
 * `out/streams/<name>/batch=<N>/` (or `snapshot=<N>/`), its execution named `<name>-b<N>`.
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
  const { stream, stack } = request;
  const definition = request.config.streams?.[stream.name] as Stream | undefined;
  if (!definition || !Object.hasOwn(request.config.streams ?? {}, stream.name)) {
    throw new Error(`stream ${stream.name} is not in stepmr.config.ts`);
  }
  const settings = definition.stream;
  const bucket = deps.store('');
  const checkpoint = deps.store(stream.checkpoint);
  const outputUri = `s3://${stack.bucket}/${stream.output}`;
  const driver = new Driver(deps.backend);
  return advanceStream(
    {
      claim: () =>
        claimNextBatch({
          stream: settings.name,
          checkpoint,
          source: { store: bucket, prefix: stream.prefix },
          caps: { maxFiles: settings.maxFiles, maxBytes: settings.maxBytes },
          rewrites: settings.rewrites,
          published: (entry) => publishedBatch(bucket, stream.output, settings, entry),
          ...(deps.now ? { now: deps.now } : {}),
        }),
      executionName: (batch, rerun) => batchJobId(stream.name, batch, rerun),
      start: async (claimed, name) => {
        const state =
          settings.mode === 'update'
            ? await previousSnapshot(checkpoint, outputUri, settings.name, claimed.batch)
            : [];
        const files = [...claimed.files.map((f) => ({ uri: f.uri, size: f.size })), ...state];
        const started = await driver.start({
          job: definition,
          name: stream.name,
          module: `${STREAM_REF}${stream.name}`,
          // The exact objects, which _SUCCESS lists: the claim checks a published batch by them.
          inputs: files.map((f) => f.uri),
          files,
          badRecords: settings.badRecords,
          // Many small objects share a map task, as the embedded stream's batches do.
          splitsPerTask: splitsPerTaskFor(files, resolveOptions(definition, {}).splitSize),
          output: `${outputUri}${batchFolder(settings.mode, claimed.batch)}`,
          overwrite: false,
          jobId: name,
          ...(deps.now ? { now: deps.now } : {}),
        });
        return started.executionArn;
      },
      orchestrator: deps.backend.orchestrator,
      stateMachineArn: deps.backend.stateMachineArn,
    },
    request.manual ? MANUAL_RUNS : MAX_BATCH_RUNS,
  );
}
