import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The `type` of the nearest package.json above `file` (`'module'`, `'commonjs'`, or undefined
 * when it names none or there is none): how Node treats the file's module syntax.
 *
 * @example
 * ```ts
 * if (packageType('/home/me/jobs/wc.ts') === 'commonjs') console.log('a CommonJS package');
 * ```
 */
export function packageType(file: string): unknown {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: unknown }).type;
    } catch {}
    if (dirname(dir) === dir) return undefined;
  }
}
