import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { isApplicant, scoreOf } from './score.js';

/**
 * `POST /score` (an API Gateway HTTP API route): scores the applicant in the JSON body, or
 * answers 400 for a body that is not one.
 *
 * @example
 * ```ts
 * await score({ body: '{"id":"a1","income":52000,"debt":9000,"years":6}' } as APIGatewayProxyEventV2);
 * // { statusCode: 200, body: '{"id":"a1","score":681}' }
 * ```
 */
export async function score(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  let body: unknown;
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString() : event.body;
    body = JSON.parse(text ?? '');
  } catch {
    body = undefined;
  }
  const json = { 'content-type': 'application/json' };
  if (!isApplicant(body)) {
    return {
      statusCode: 400,
      headers: json,
      body: JSON.stringify({ message: 'the body must be an applicant { id, income, debt, years }' }),
    };
  }
  return { statusCode: 200, headers: json, body: JSON.stringify({ id: body.id, score: scoreOf(body) }) };
}
