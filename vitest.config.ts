import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Files that run serverless in this repository (`stepmr offline`, `serverless package`): its
 * esbuild plugin builds into the one `.esbuild/` folder here and clears it, so two at once break
 * each other's functions. They run one at a time, before the others.
 */
const SERVERLESS_HERE = ['test/offline/**/*.test.ts', 'test/package/template.test.ts'];

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources: 'stepmr' in examples and fixtures is framework/.
    alias: [
      { find: /^stepmr$/, replacement: source('./framework/index.ts') },
      { find: /^stepmr\/serverless$/, replacement: source('./framework/serverless.ts') },
    ],
  },
  test: {
    // The commands tests start (bin/stepmr.js, serverless) run the built dist/: rebuilt first
    // when a source is newer.
    globalSetup: ['test/support/buildDist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'serverless',
          include: SERVERLESS_HERE,
          maxWorkers: 1,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'the rest',
          include: ['test/**/*.test.ts'],
          exclude: SERVERLESS_HERE,
          // Vitest's default is one fork fewer than the cores: on a 2-core machine one fork, so
          // every file ran after the other while most of them wait on the processes they start
          // (stepmr, chromium, s3rver). Two forks overlap that waiting.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
