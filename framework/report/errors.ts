import { StepmrError } from '../errors.js';

/**
 * A report that cannot be made: the location holds no committed result, or a job id this
 * machine does not know. The message says which and what to give instead.
 *
 * @example
 * ```ts
 * await loadManifest('out/none'); // throws ReportError: no _SUCCESS at …
 * ```
 */
export class ReportError extends StepmrError {
  override readonly name = 'ReportError';
}
