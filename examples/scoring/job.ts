import { defineJob, gateway, jsonLines } from 'stepmr';
import type { Applicant } from '../score/score.js';

/**
 * The scoring API: `STEPMR_APP_SCORE_API` (the base URL of examples/score's API, such as
 * `https://abc123.execute-api.us-east-1.amazonaws.com`), read when the job builds a call.
 * List the same URL in stepmr.config.ts `delegates.apis`: the delegate function calls nothing else.
 */
export function scoreApi(): string {
  return process.env.STEPMR_APP_SCORE_API ?? 'https://abc123.execute-api.us-east-1.amazonaws.com';
}

/** Scores every applicant with examples/score's `POST /score`: one result per applicant, in input order. */
export default defineJob({
  name: 'scoring',
  input: jsonLines<Applicant>(),
  delegate: (applicant) => gateway(scoreApi()).resource('/score').post(applicant),
});
