import { join } from 'node:path';
import {
  freePort,
  functionsEnvironment,
  type ServerlessOffline,
  startServerlessOffline,
} from '../../framework/runtime/offline/serverlessOffline.js';

/**
 * Starts examples/score (`POST /score` on a Lambda function behind API Gateway) in its own
 * serverless-offline on free ports, and resolves with it and its API's base URL.
 *
 * @example
 * ```ts
 * const { service, api } = await startScoreService();
 * await fetch(`${api}/score`, { method: 'POST', body: JSON.stringify(applicant) });
 * await service.stop();
 * ```
 */
export async function startScoreService(): Promise<{ service: ServerlessOffline; api: string }> {
  const service = await startServerlessOffline({
    projectDir: join(process.cwd(), 'examples/score'),
    stage: 'dev',
    lambdaPort: await freePort(),
    env: functionsEnvironment(process.env, {}),
    heapMiB: 512,
  });
  return { service, api: `http://127.0.0.1:${service.httpPort}` };
}
