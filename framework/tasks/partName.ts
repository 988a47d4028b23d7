import type { OutputFormat } from '../job/types.js';
import { pad } from './payloads.js';

/** The file extension of each output format's parts. */
export const EXTENSIONS: Record<OutputFormat['kind'], string> = {
  jsonl: '.jsonl',
  csv: '.csv',
  text: '.txt',
};

/**
 * The name of a committed part file: `part-00003.jsonl`.
 *
 * @example
 * ```ts
 * partName(3, { kind: 'jsonl' }); // 'part-00003.jsonl'
 * ```
 */
export function partName(part: number, format: OutputFormat): string {
  return `part-${pad(part)}${EXTENSIONS[format.kind]}`;
}
