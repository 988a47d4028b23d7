import { defineConfig } from 'stepmr';
import wordcount from './jobs/wordcount.js';

/**
 * What `serverless deploy` ships: the jobs the deployed functions can run (by name), and the
 * schedules that run them as batch jobs. Register a job here before `stepmr submit` can run it.
 */
export default defineConfig({
  jobs: { wordcount },
  schedules: {
    'wordcount-nightly': {
      job: 'wordcount',
      schedule: 'cron(0 3 * * ? *)', // EventBridge rate(…) or cron(…), UTC
      input: ['in/corpus/'], //        keys or prefixes in the data bucket
      output: 'out/wordcount/{date}/', // {date} and {time} of the scheduled run
      enabled: false,
    },
  },
});
