#!/usr/bin/env node
// The stepmr command: TypeScript support for jobs and the framework, then the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../framework/cli/main.ts');
process.exitCode = await main(process.argv);
