// The AWS stand-in for the scan sections (3, 3b, 4), in a child `node` process of its own: in
// production Glue, KMS and STS do not run on the scanner's CPU, so the fair measurement keeps the
// stand-in's HTTP server, routing and answers off this process's thread. The child is bench/awsChild.ts,
// run through tsx, and controlled over the IPC channel; the scanner reaches it only over HTTP,
// through the same AWS_ENDPOINT_URL_* variables the in-process harness sets.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AwsSandboxOptions } from '../src/sandbox/aws/index.js';
import type { ScaleOptions, ScaleSummary } from '../src/sandbox/fixtures.js';
import type { ScopeTransforms } from './floor.js';

/** What the child answers to `seed`: where it listens, the SDK environment, what it seeded. */
export interface SeedReply {
  endpoint: string;
  env: Record<string, string>;
  summary: ScaleSummary;
  /** The floor's input, read from the child's seeded state. */
  floorInput: ScopeTransforms[];
}

export interface CpuTime {
  /** Microseconds, as process.cpuUsage() gives them. */
  user: number;
  system: number;
}

/** Parent to child: one command per message, answered by a Reply with the same id. */
export type Command =
  | { id: number; cmd: 'seed'; aws: AwsSandboxOptions; scale: ScaleOptions }
  | { id: number; cmd: 'setLatency'; ms: number }
  | { id: number; cmd: 'latency' }
  | { id: number; cmd: 'setThrottleRate'; rate: number }
  | { id: number; cmd: 'resetCounts' }
  | { id: number; cmd: 'callCounts' }
  | { id: number; cmd: 'throttledCount' }
  | { id: number; cmd: 'cpuUsage' }
  | { id: number; cmd: 'close' };

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

type CommandBody<C extends Command['cmd']> = Omit<Extract<Command, { cmd: C }>, 'id'>;

const CHILD = fileURLToPath(new URL('./awsChild.ts', import.meta.url));
/** tsx's ESM+CJS loader (its package's "." export), so the child runs TypeScript like `tsx` does. */
const TSX_LOADER = import.meta.resolve('tsx');
const COMMAND_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;

// Every child still running, so the exit and signal handlers can kill what a failed run left behind.
const live = new Set<ChildProcess>();
let handlersInstalled = false;

function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // process.exit() (run.ts, the watchdog) and a normal end both pass through 'exit'.
  process.on('exit', killAll);
  // A signal would end this process without 'exit': kill the child, then die of the signal as before.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

export class AwsProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private exited: Error | undefined;
  private readonly exitedPromise: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exitedPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exited = new Error(`AWS stand-in process ${child.pid} exited (${signal ?? `code ${code}`})`);
        for (const [id, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(this.exited);
          this.pending.delete(id);
        }
        resolve();
      });
    });
    child.on('message', (message: Reply) => {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      clearTimeout(p.timer);
      if (message.ok) p.resolve(message.value);
      else p.reject(new Error(`AWS stand-in: ${message.error}`));
    });
  }

  /** Spawns the child (`node --import tsx bench/awsChild.ts`) with an IPC channel. */
  static spawn(): AwsProcess {
    installHandlers();
    const child = fork(CHILD, [], {
      execPath: process.execPath,
      // Not this process's execArgv: no inspector or other flags leak into the stand-in.
      execArgv: ['--import', TSX_LOADER],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    live.add(child);
    const aws = new AwsProcess(child);
    // 'error' (e.g. spawn failed) is followed by no 'exit' in some cases: reject everything waiting.
    child.once('error', (err) => {
      live.delete(child);
      aws.exited ??= err;
      for (const [id, p] of aws.pending) {
        clearTimeout(p.timer);
        p.reject(err);
        aws.pending.delete(id);
      }
    });
    return aws;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private request<C extends Command['cmd']>(body: CommandBody<C> & { cmd: C }, timeoutMs = COMMAND_TIMEOUT_MS): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`AWS stand-in did not answer ${body.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ ...body, id } as Command, (err) => {
        if (!err) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Starts the stand-in's AwsSandbox with `aws` and seeds it with seedScale(`scale`). */
  async seed(aws: AwsSandboxOptions, scale: ScaleOptions): Promise<SeedReply> {
    return (await this.request({ cmd: 'seed', aws, scale }, 60_000)) as SeedReply;
  }

  async setLatency(ms: number): Promise<void> {
    await this.request({ cmd: 'setLatency', ms });
  }

  /** The per-call latency (ms) the stand-in injects now, as its process reports it. */
  async latency(): Promise<number> {
    return (await this.request({ cmd: 'latency' })) as number;
  }

  async setThrottleRate(rate: number): Promise<void> {
    await this.request({ cmd: 'setThrottleRate', rate });
  }

  async resetCounts(): Promise<void> {
    await this.request({ cmd: 'resetCounts' });
  }

  async callCounts(): Promise<Record<string, number>> {
    return (await this.request({ cmd: 'callCounts' })) as Record<string, number>;
  }

  async throttledCount(): Promise<number> {
    return (await this.request({ cmd: 'throttledCount' })) as number;
  }

  /** The child's process.cpuUsage(): what the stand-in cost, on its own CPU. */
  async cpuUsage(): Promise<CpuTime> {
    return (await this.request({ cmd: 'cpuUsage' })) as CpuTime;
  }

  /** Asks the child to close its server and exit; kills it if it does not within a few seconds. Always safe to call. */
  async close(): Promise<void> {
    if (!this.exited) {
      await Promise.race([this.request({ cmd: 'close' }, CLOSE_TIMEOUT_MS).catch(() => undefined), this.exitedPromise]);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
      await this.exitedPromise;
      clearTimeout(timer);
    }
    live.delete(this.child);
  }
}
