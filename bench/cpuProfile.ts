// Samples the CPU while `fn` runs (V8 inspector, this process) and sums self time by where the
// code lives: the AWS SDK, the sandbox stand-ins, the app, garbage collection, Node itself.
import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';

export type CpuByCategory = Record<string, number>;

export function categoryOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)') return 'idle (waiting on I/O or timers)';
  if (/node_modules\/(@smithy|@aws-sdk)\//.test(url)) return 'AWS SDK (@smithy, @aws-sdk)';
  if (url.includes('node_modules/')) return 'other dependencies';
  if (url.includes('/src/sandbox/')) return 'sandbox stand-ins (not in production)';
  if (url.includes('/src/')) return 'glue-encrypt (src/)';
  if (url.includes('/bench/')) return 'bench';
  return 'Node.js and V8 (http, streams, native)';
}

/** Nodes under a call into node:inspector: the profiler stopping and sending its profile, not the scan. */
function profilerNodes(profile: Profiler.Profile): Set<number> {
  const own = new Set<number>();
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const mark = (id: number): void => {
    own.add(id);
    for (const child of nodes.get(id)?.children ?? []) mark(child);
  };
  for (const n of profile.nodes) if (n.callFrame.url === 'node:inspector' && !own.has(n.id)) mark(n.id);
  return own;
}

function selfTimes(profile: Profiler.Profile): CpuByCategory {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const excluded = profilerNodes(profile);
  const out: CpuByCategory = {};
  const deltas = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    const node = nodes.get(id);
    if (!node || excluded.has(id)) return;
    const category = categoryOf(node.callFrame.url, node.callFrame.functionName);
    out[category] = (out[category] ?? 0) + (deltas[i] ?? 0) / 1000;
  });
  return out;
}

/** Milliseconds of self time per category while `fn` ran. */
export async function profileCpu(fn: () => Promise<void>, samplingIntervalUs = 250): Promise<CpuByCategory> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await session.post('Profiler.start');
    let failure: unknown;
    try {
      await fn();
    } catch (err) {
      failure = err ?? new Error('profiled function failed');
    }
    const { profile } = await session.post('Profiler.stop');
    if (failure !== undefined) throw failure;
    return selfTimes(profile);
  } finally {
    session.disconnect();
  }
}
