import { readdirSync, readFileSync } from 'node:fs';

/**
 * The resident memory of a process in KiB (`VmRSS` of /proc/<pid>/status), or undefined once
 * it has exited.
 *
 * @example
 * ```ts
 * const kib = residentKiB(process.pid); // 81234
 * ```
 */
export function residentKiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The child processes of `pid` (from /proc), with their command lines.
 *
 * @example
 * ```ts
 * const functions = childProcesses(cloud.pid).find((c) => c.command.includes('serverless'));
 * ```
 */
export function childProcesses(pid: number): { pid: number; command: string }[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (listed) children.push(...listed.split(/\s+/).map(Number));
  }
  return children.map((child) => ({
    pid: child,
    command: readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' '),
  }));
}

/** Samples of a process's resident memory, taken every `everyMs` until stopped. */
export interface MemorySampler {
  /** Stops sampling; returns the first, highest and last sample in KiB. */
  stop(): { first: number; peak: number; last: number; samples: number };
}

/**
 * Samples the resident memory of `pid` every `everyMs` (the peak of a process that grows for a
 * moment and gives memory back is what bounds it).
 *
 * @example
 * ```ts
 * const sampler = sampleMemory(pid);
 * await work();
 * const { peak } = sampler.stop();
 * ```
 */
export function sampleMemory(pid: number, everyMs = 200): MemorySampler {
  const samples: number[] = [];
  const take = () => {
    const kib = residentKiB(pid);
    if (kib !== undefined) samples.push(kib);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return {
        first: samples[0] ?? 0,
        peak: Math.max(0, ...samples),
        last: samples.at(-1) ?? 0,
        samples: samples.length,
      };
    },
  };
}
