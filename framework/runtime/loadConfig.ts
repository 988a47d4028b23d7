import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, type StepmrConfig } from '../deploy/config.js';
import { importUserModule } from './userModules.js';

/**
 * Imports a project's `stepmr.config.ts` (the registry the deployed functions load jobs from)
 * and returns its default export. TypeScript is loaded as for job modules.
 *
 * @example
 * ```ts
 * const config = await loadConfig('stepmr.config.ts');
 * Object.keys(config.jobs); // ['wordcount']
 * ```
 */
export async function loadConfig(path: string): Promise<StepmrConfig> {
  const file = resolve(path);
  if (!(await stat(file).catch(() => undefined))?.isFile()) {
    throw new ConfigError(
      `${file} does not exist: the project's stepmr.config.ts registers the jobs its stack runs; run stepmr from the project's folder, or pass --config <file>`,
    );
  }
  const module = (await importUserModule(file)) as { default?: StepmrConfig };
  if (!module.default || typeof module.default.jobs !== 'object') {
    throw new ConfigError(`${file} must export default defineConfig({ jobs: { … } })`);
  }
  return module.default;
}
