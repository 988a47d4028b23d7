declare const STEPMR_WORKER_BUNDLE: boolean | undefined;

/**
 * Whether this code runs from the pool workers' bundle, dist/worker/ (see scripts/build.mjs),
 * where every module's `import.meta.url` is that of a file in dist/worker/, rather than from
 * dist/'s module-per-file layout or the TypeScript sources.
 *
 * @example
 * ```ts
 * const api = new URL(IN_WORKER_BUNDLE ? './index.js' : '../index.js', import.meta.url);
 * ```
 */
export const IN_WORKER_BUNDLE = typeof STEPMR_WORKER_BUNDLE !== 'undefined' && STEPMR_WORKER_BUNDLE;
