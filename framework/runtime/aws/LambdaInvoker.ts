import { InvokeCommand, type LambdaClient, LambdaServiceException } from '@aws-sdk/client-lambda';
import type { FunctionError, InvokeOptions, InvokeResult, Invoker } from '../../engine/Invoker.js';

/** Timers of the invoker, injectable so tests drive function timeouts. */
export interface LambdaInvokerDeps {
  /** Calls `fire` after `ms`; returns the function that cancels it. */
  timer(ms: number, fire: () => void): () => void;
}

/** Options of {@link LambdaInvoker}. */
export interface LambdaInvokerOptions {
  /** A Lambda client made with `maxAttempts: 1`: the state machine's Retry does the retrying. */
  readonly client: LambdaClient;
  /** The FunctionName to call for a function ARN. @default the ARN itself */
  readonly functionName?: (functionArn: string) => string;
  /**
   * Take a function error's name from the first line of its trace when its `errorType` is the
   * bare `Error`. serverless-offline reports every handler error so, and its function timeout
   * as `[504] - Lambda timeout.`; Lambda reports the error's own name (`BadRecordError`,
   * `Stepmr.TransientError`) and `Sandbox.Timedout`, which Retry and Catch match.
   * @default false
   */
  readonly errorTypeFromTrace?: boolean;
  readonly deps?: Partial<LambdaInvokerDeps>;
}

const defaultDeps: LambdaInvokerDeps = {
  timer(ms, fire) {
    const handle = setTimeout(fire, ms);
    return () => clearTimeout(handle);
  },
};

/** A Lambda service failure, named as Step Functions names it (`Lambda.TooManyRequestsException`). */
class LambdaServiceError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The Step Functions error name of a failed Invoke call: `Lambda.<Exception>` for the errors
 * the Lambda API models (throttling, an unknown function, a service failure),
 * `Lambda.AWSLambdaException` for other answers of the service, and `Lambda.SdkClientException`
 * when no answer came (a refused connection, a reset).
 */
function serviceErrorName(error: unknown): string {
  if (error instanceof LambdaServiceException) {
    return error.constructor === LambdaServiceException
      ? 'Lambda.AWSLambdaException'
      : `Lambda.${error.name}`;
  }
  return 'Lambda.SdkClientException';
}

/** The cause text, in the form Step Functions gives a Lambda service error. */
function serviceErrorCause(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  if (!(error instanceof LambdaServiceException)) return `Unable to execute HTTP request: ${message}`;
  const { httpStatusCode, requestId } = error.$metadata;
  return `${message} (Service: AWSLambda; Status Code: ${httpStatusCode ?? '?'}; Error Code: ${error.name}; Request ID: ${requestId ?? '?'})`;
}

/** An error's name at the start of its stack's first line: `BadRecordError: Bad record in …`. */
/** The message of serverless-offline's error for a function past its timeout. */
const OFFLINE_TIMEOUT = '[504] - Lambda timeout.';

const TRACE_NAME = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*): /;

function functionError(body: unknown, fromTrace: boolean): FunctionError {
  const e = (body ?? {}) as Partial<Record<keyof FunctionError, unknown>>;
  const first = fromTrace && e.errorType === 'Error' && Array.isArray(e.trace) ? String(e.trace[0]) : '';
  // serverless-offline's own function timeout, which Lambda reports as Sandbox.Timedout.
  const timedOut = first !== '' && e.errorMessage === OFFLINE_TIMEOUT;
  const traced = timedOut ? 'Sandbox.Timedout' : TRACE_NAME.exec(first)?.[1];
  return {
    errorType:
      traced ?? (typeof e.errorType === 'string' && e.errorType !== '' ? e.errorType : 'Lambda.Unknown'),
    errorMessage: typeof e.errorMessage === 'string' ? e.errorMessage : '',
    ...(Array.isArray(e.trace) ? { trace: e.trace.map(String) } : {}),
  };
}

function parsePayload(bytes: Uint8Array | undefined): unknown {
  const text = bytes && bytes.byteLength > 0 ? Buffer.from(bytes).toString('utf8') : 'null';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failed(error: FunctionError): InvokeResult {
  return { payload: error, functionError: error, responseBytes: Buffer.byteLength(JSON.stringify(error)) };
}

/**
 * The engine's Lambda on AWS (or serverless-offline): a synchronous `Invoke`
 * (RequestResponse) per task. A function's own failure (`X-Amz-Function-Error`) resolves with
 * `functionError` (`errorType`, `errorMessage`, `trace` of its payload); a failure of the
 * Lambda service rejects with the Step Functions error name (`Lambda.TooManyRequestsException`,
 * `Lambda.ResourceNotFoundException`, `Lambda.ServiceException`, `Lambda.SdkClientException`
 * when the service could not be reached). Past `timeoutSeconds` the call is abandoned and
 * fails as the function would, with `Sandbox.Timedout`; a stopped execution aborts the call.
 *
 * @example
 * ```ts
 * const invoker = new LambdaInvoker({ client: new LambdaClient({ maxAttempts: 1 }) });
 * const engine = new Engine({ invoker, stores });
 * ```
 */
export class LambdaInvoker implements Invoker {
  readonly #client: LambdaClient;
  readonly #functionName: (functionArn: string) => string;
  readonly #deps: LambdaInvokerDeps;
  readonly #errorTypeFromTrace: boolean;

  constructor(options: LambdaInvokerOptions) {
    this.#client = options.client;
    this.#errorTypeFromTrace = options.errorTypeFromTrace ?? false;
    this.#functionName = options.functionName ?? ((arn) => arn);
    this.#deps = { ...defaultDeps, ...options.deps };
  }

  async invoke(functionArn: string, payload: unknown, options: InvokeOptions = {}): Promise<InvokeResult> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    let timedOut = false;
    const seconds = options.timeoutSeconds;
    const cancelTimer =
      seconds === undefined
        ? () => undefined
        : this.#deps.timer(seconds * 1000, () => {
            timedOut = true;
            controller.abort();
          });
    try {
      const response = await this.#client.send(
        new InvokeCommand({
          FunctionName: this.#functionName(functionArn),
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(payload ?? null)),
        }),
        { abortSignal: controller.signal },
      );
      const body = parsePayload(response.Payload);
      const responseBytes = response.Payload?.byteLength ?? 0;
      if (response.FunctionError) {
        const error = functionError(body, this.#errorTypeFromTrace);
        const payload =
          body !== null && typeof body === 'object' ? { ...body, errorType: error.errorType } : body;
        return { payload, functionError: error, responseBytes };
      }
      return { payload: body, responseBytes };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (timedOut) {
        return failed({
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${(seconds ?? 0).toFixed(2)} seconds`,
        });
      }
      throw new LambdaServiceError(serviceErrorName(error), serviceErrorCause(error), { cause: error });
    } finally {
      cancelTimer();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}
