import { createHandlers } from 'stepmr';
import config from '../stepmr.config.js';

/** The stack's Lambda handlers (serverless.yml names them `functions/handlers.<name>`). */
export const { map, reduce, delegate, collect, scheduler, trigger } = createHandlers(config);
