// Entry of a worker thread of the embedded Lambda pool: TypeScript support, then the handler runner.
import { register } from 'tsx/esm/api';

register();
const { runHandler } = await import('./runHandler.ts');
export default runHandler;
