#!/usr/bin/env node
// The stepmr command: the compiled CLI. TypeScript support is loaded only for your own files
// (jobs, stepmr.config.ts), when the first of them is imported.
// V8's code cache of the modules, kept by Node in a folder of this user's own (see
// dist/runtime/userCache.js): starts faster.
try {
  const { enableCodeCache } = await import('../dist/runtime/userCache.js');
  enableCodeCache();
} catch {}
const CLI = new URL('../dist/cli/main.js', import.meta.url);
let cli;
try {
  cli = await import(CLI.href);
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(CLI.pathname)) throw error;
  process.stderr.write(`stepmr: ${CLI.pathname} is missing: in a clone of stepmr, run npm run build first\n`);
  process.exit(1);
}
process.exitCode = await cli.main(process.argv);
