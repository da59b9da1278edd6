// Warm acknowledgement of a bundle in a `node` process of its own: the child requires the bundle
// once, then answers batches of Slack-signed events the parent sends over IPC, one after another,
// timing each from handing the event to the handler to getting its HTTP response. Several children
// can be alive at once and driven in turn (batches interleaved), so drift on a busy machine falls
// on every app alike; only the child being driven runs.
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const WRAPPER = `'use strict';
const { handler } = require(process.argv[2]);
process.on('message', async (msg) => {
  if (msg.cmd === 'exit') process.exit(0);
  const samples = [];
  const bodies = [];
  const statuses = [];
  for (const event of msg.events) {
    const started = performance.now();
    const res = await handler(event, {});
    samples.push(performance.now() - started);
    statuses.push(res.statusCode);
    bodies.push(typeof res.body === 'string' ? res.body.slice(0, 300) : '');
  }
  process.send({ samples, statuses, bodies });
});
process.send({ ready: true });
`;

export interface AckBatch {
  samples: number[];
  statuses: number[];
  bodies: string[];
}

/** A child that has required its bundle and answers batches. */
export class AckChild {
  private stderr = '';
  private waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  private exited: Error | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000)));
    // The handler's own lines (EMF metrics, logs) go to a pipe as on Lambda; drained, not kept.
    child.stdout?.resume();
    child.on('message', (message: unknown) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.resolve(message);
    });
    child.once('exit', (code, signal) => {
      this.exited = new Error(`${name}: ack child exited (${signal ?? `code ${code}`}): ${this.stderr.trim().slice(-2000)}`);
      this.waiting?.reject(this.exited);
      this.waiting = undefined;
    });
  }

  private next(timeoutMs: number): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`${this.name}: ack child did not answer within ${timeoutMs} ms: ${this.stderr.trim().slice(-2000)}`));
      }, timeoutMs);
      this.waiting = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Forks `node <wrapper> <bundle>` with exactly `env` (no inherited execArgv) and waits until it has required the bundle. */
  static async start(name: string, bundleFile: string, env: Record<string, string>): Promise<AckChild> {
    const wrapper = join(dirname(bundleFile), 'ack-wrapper.cjs');
    writeFileSync(wrapper, WRAPPER);
    const child = fork(wrapper, [bundleFile], { execPath: process.execPath, execArgv: [], env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
    const c = new AckChild(name, child);
    await c.next(20_000);
    return c;
  }

  async run(events: readonly unknown[], timeoutMs = 60_000): Promise<AckBatch> {
    const answer = this.next(timeoutMs);
    this.child.send({ cmd: 'run', events });
    return (await answer) as AckBatch;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    try {
      this.child.send({ cmd: 'exit' });
    } catch {
      this.child.kill('SIGKILL');
    }
    await gone;
    clearTimeout(timer);
  }
}
