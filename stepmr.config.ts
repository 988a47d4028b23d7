import { defineConfig } from 'stepmr';
import logs from './examples/logs/job.js';
import wordcount from './examples/wordcount/job.js';

/**
 * What `serverless deploy` ships: the jobs the deployed functions can run (by name), and the
 * schedules that run them as batch jobs. Register a job here before `stepmr submit` can run it.
 */
export default defineConfig({
  jobs: { wordcount, logs },
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
