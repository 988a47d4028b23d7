import { defineConfig } from 'stepmr';
import clicks from './examples/clickstream/job.js';
import logs from './examples/logs/job.js';
import scoring, { scoreApi } from './examples/scoring/job.js';
import wordcount from './examples/wordcount/job.js';

/**
 * What `serverless deploy` ships: the jobs the deployed functions can run (by name), the
 * schedules that run them as batch jobs, and the APIs delegate jobs may call. Register a job here before `stepmr submit` can run it.
 */
export default defineConfig({
  jobs: { wordcount, logs, scoring },
  // Deployed with EventBridge rules (objects under in/clicks/, every minute) and the trigger function.
  streams: { clicks },
  // What delegate jobs may call: the delegate function's role may invoke only these.
  delegates: { apis: [scoreApi()] },
  schedules: {
    'wordcount-nightly': {
      job: 'wordcount',
      schedule: 'cron(0 3 * * ? *)',
      input: ['in/corpus/'],
      output: 'out/wordcount/{date}/',
      enabled: false,
    },
  },
});
