// A worker thread of the embedded Lambda pool when stepmr runs from its TypeScript sources (tests,
// the bench): TypeScript support, then the handler runner. The built package's workers load the
// compiled runHandler.js directly.
import { register } from 'tsx/esm/api';

register();
export const { runHandler } = await import('./runHandler.ts');
