import type { Job } from '../job/defineJob.js';
import type { Store } from '../store/Store.js';

/**
 * What tasks need from their surroundings. The embedded runtime gives FileStores and imports
 * job modules by path; the AWS runtime gives S3Stores and a bundled jobs registry.
 */
export interface TaskDeps {
  /** The Store behind a bucket name used in a `JobRef`. */
  bucket(name: string): Store;
  /** The Store and key of an input or output URI (`file://…`, `s3://…`). */
  open(uri: string): { store: Store; key: string };
  /** Loads a job by the reference the planner wrote into `job.json`. */
  loadJob(module: string): Promise<Job>;
  /** A local directory for spills and staging files. */
  readonly tmpDir: string;
  now(): number;
}
