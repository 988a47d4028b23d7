// Vitest's global setup: the processes tests start (bin/stepmr.js, serverless package, serverless
// offline) run the built dist/, so it is rebuilt from framework/ first when a source is newer.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url)), '--if-stale'],
    {
      stdio: 'inherit',
    },
  );
}
