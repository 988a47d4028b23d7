import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { delegate, http } from '../framework/index.js';

/**
 * The delegation bench. Against a service in its own process that answers after 20 ms:
 * calls per second of `delegate()` at concurrency 64 and 256, against a plain loop of the
 * same number of workers over `fetch` (a bounded `Promise.all`) in the same process, with the
 * CPU time per call of each (the overhead of the policy, the governor and the results). Then
 * adaptive concurrency against the same service throttling (429) beyond 50 calls in flight:
 * the time until the throttled share stays under 5 % (in 250 ms buckets), the share after
 * it, and the calls per second after it against the service's ceiling (50 / 20 ms); and the
 * same run without adaptation, for contrast.
 *
 * The two loops alternate for `--rounds` rounds (default 3), each keeping its fastest.
 *
 * Alone: `node bin/tsnode.js bench/delegate.ts [--calls N] [--rounds N]`, which writes
 * `bench/results/delegate-<date>.json`; `npm run bench` runs it too (`--delegate-calls N`).
 */
export async function benchDelegate(options: {
  calls: number;
  rounds: number;
}): Promise<Record<string, unknown>> {
  const server = await startServer();
  try {
    const stats = async () => (await (await fetch(`${server.url}/_stats`)).json()) as [number, number][];
    const body = { id: 1, text: 'x'.repeat(200) };
    const throughput: Record<string, unknown>[] = [];
    for (const concurrency of [64, 256]) {
      // Rounds alternate the two loops, and each keeps its best round: on a shared machine,
      // the other processes' load then weighs on both alike.
      let plain: Measured | undefined;
      let framework: Measured | undefined;
      for (let round = 0; round < options.rounds; round++) {
        plain = best(
          plain,
          await measure(options.calls, () =>
            plainLoop(`${server.url}/score`, body, options.calls, concurrency),
          ),
        );
        const tasks = Array.from({ length: options.calls }, () => http(`${server.url}/score`).post(body));
        framework = best(
          framework,
          await measure(options.calls, async () => {
            const results = await delegate(tasks, { concurrency });
            if (!results.every((r) => r.ok)) throw new Error('a call of the bench failed');
          }),
        );
        await stats();
      }
      const p = plain as Measured;
      const f = framework as Measured;
      throughput.push({
        concurrency,
        plain: p.figures,
        delegate: f.figures,
        ratioToPlain: +(f.figures.callsPerS / p.figures.callsPerS).toFixed(2),
        overheadCpuUsPerCall: +(f.figures.cpuUsPerCall - p.figures.cpuUsPerCall).toFixed(1),
        overheadMsPerCall: +((f.ms - p.ms) / options.calls).toFixed(4),
      });
      process.stderr.write(
        `delegate at ${concurrency}: ${f.figures.callsPerS} calls/s against ${p.figures.callsPerS} for a plain loop (×${(f.figures.callsPerS / p.figures.callsPerS).toFixed(2)}), ${f.figures.cpuUsPerCall} µs CPU per call against ${p.figures.cpuUsPerCall}\n`,
      );
    }
    const adaptive: Record<string, unknown> = {};
    for (const on of [true, false]) {
      const calls = on ? options.calls : Math.min(options.calls, 2000);
      const tasks = Array.from({ length: calls }, () => http(`${server.url}/throttle`).post(body));
      const start = performance.now();
      const results = await delegate(tasks, { concurrency: 256, adaptive: on, baseDelayMs: 20 });
      const ms = performance.now() - start;
      adaptive[on ? 'adaptive' : 'fixed'] = {
        calls,
        ms: Math.round(ms),
        failed: results.filter((r) => !r.ok).length,
        ...convergence(await stats()),
      };
    }
    process.stderr.write(
      `adaptive concurrency on a service throttling beyond 50: ${JSON.stringify(adaptive)}\n`,
    );
    return {
      latencyMs: 20,
      calls: options.calls,
      rounds: options.rounds,
      throughput,
      throttlingLimit: 50,
      ...adaptive,
    };
  } finally {
    server.process.kill();
  }
}

/** When the throttled share of 250 ms buckets falls under 5 % for good, and what follows. */
function convergence(seen: [number, number][]) {
  const BUCKET = 250;
  const first = seen[0]?.[0] ?? 0;
  const buckets = new Map<number, { all: number; throttled: number }>();
  for (const [at, status] of seen) {
    const b = Math.floor((at - first) / BUCKET);
    const bucket = buckets.get(b) ?? { all: 0, throttled: 0 };
    bucket.all += 1;
    if (status === 429) bucket.throttled += 1;
    buckets.set(b, bucket);
  }
  const last = Math.max(...buckets.keys());
  let settled = last + 1;
  for (let b = last; b >= 0; b--) {
    const bucket = buckets.get(b) ?? { all: 0, throttled: 0 };
    if (bucket.all > 0 && bucket.throttled / bucket.all >= 0.05) break;
    settled = b;
  }
  const after = seen.filter(([at]) => at - first >= settled * BUCKET);
  const spanS = after.length > 1 ? ((after.at(-1)?.[0] ?? 0) - (after[0]?.[0] ?? 0)) / 1000 : 0;
  const throttledAfter = after.filter(([, s]) => s === 429).length;
  return {
    requests: seen.length,
    throttledShare: +(seen.filter(([, s]) => s === 429).length / seen.length).toFixed(4),
    convergeMs: settled * BUCKET,
    throttledShareAfter: after.length > 0 ? +(throttledAfter / after.length).toFixed(4) : null,
    callsPerSAfter: spanS > 0 ? Math.round((after.length - throttledAfter) / spanS) : null,
    ceilingCallsPerS: 50 / 0.02,
  };
}

async function plainLoop(url: string, body: unknown, calls: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      next++;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await response.json();
      if (!response.ok) throw new Error(`the plain loop got ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

type Measured = Awaited<ReturnType<typeof measure>>;

function best(a: Measured | undefined, b: Measured): Measured {
  return a === undefined || b.ms < a.ms ? b : a;
}

async function measure(calls: number, run: () => Promise<void>) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    ms,
    figures: {
      ms: Math.round(ms),
      callsPerS: Math.round(calls / (ms / 1000)),
      cpuUsPerCall: +((used.user + used.system) / calls).toFixed(1),
    },
  };
}

async function startServer(): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [resolve('bin/tsnode.js'), resolve('bench/delegateServer.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolvePort, reject) => {
    child.once('exit', (code) => reject(new Error(`the bench service exited with ${code}`)));
    child.stdout?.once('data', (d: Buffer) => resolvePort(d.toString().trim()));
  });
  return { url: `http://127.0.0.1:${port}`, process: child };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve('bench/delegate.ts')) {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const report = {
    date: new Date().toISOString(),
    ...(await benchDelegate({ calls: opt('calls', 5000), rounds: opt('rounds', 3) })),
  };
  mkdirSync('bench/results', { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join('bench/results', `delegate-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
