// What the figures were measured on.
import { availableParallelism, cpus, loadavg, platform, arch, totalmem } from 'node:os';

export interface Environment {
  node: string;
  v8: string;
  platform: string;
  cpuCount: number;
  availableParallelism: number;
  cpuModel: string;
  memoryGiB: number;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverage: number[];
  date: string;
}

export function loadAverage(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

/** A warning when other processes compete for the CPUs (figures then read high); `ownLoad` is the bench's own share. */
export function busyWarning(load: readonly number[], cpuCount: number, ownLoad = 0): string | undefined {
  const oneMinute = load[0] ?? 0;
  return oneMinute - ownLoad > cpuCount * 0.75
    ? `WARNING: 1-minute load average ${oneMinute} on ${cpuCount} CPUs: other processes compete for the CPU, times read high.`
    : undefined;
}

export function environment(): Environment {
  const list = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${platform()} ${arch()}`,
    cpuCount: list.length,
    availableParallelism: availableParallelism(),
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: loadAverage(),
    date: new Date().toISOString(),
  };
}

export function describeEnvironment(e: Environment): string {
  return [
    `node ${e.node} (V8 ${e.v8}), ${e.platform}`,
    `cpus: ${e.cpuCount} (available parallelism ${e.availableParallelism}), ${e.cpuModel}`,
    `memory: ${e.memoryGiB} GiB, load average ${e.loadAverage.join(' ')} (1/5/15 min), measured ${e.date}`,
    busyWarning(e.loadAverage, e.cpuCount),
  ]
    .filter((line) => line !== undefined)
    .join('\n');
}
