import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources: 'stepmr' in examples and fixtures is framework/.
    alias: [
      { find: /^stepmr$/, replacement: source('./framework/index.ts') },
      { find: /^stepmr\/serverless$/, replacement: source('./framework/serverless.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The commands tests start (bin/stepmr.js, serverless) run the built dist/: rebuilt first
    // when a source is newer.
    globalSetup: ['test/support/buildDist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one fork fewer than the cores: on a 2-core machine one fork, so every
    // file ran after the other while most of them wait on the processes they start (stepmr,
    // serverless, s3rver). Two forks overlap that waiting.
    maxWorkers: 2,
  },
});
