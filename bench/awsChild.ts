// Child process entry (see bench/awsProcess.ts): one AwsSandbox, seeded with seedScale, driven over
// the IPC channel. It never prints; it exits when told to close or when the parent goes away.
import { AwsSandbox } from '../src/sandbox/aws/index.js';
import { seedScale } from '../src/sandbox/fixtures.js';
import type { Command, Reply, SeedReply } from './awsProcess.js';
import { floorInput } from './floor.js';

let sandbox: AwsSandbox | undefined;
/** The per-call latency the sandbox was last given (at seed or by setLatency): what it injects now. */
let latencyMs = 0;

function started(): AwsSandbox {
  if (!sandbox) throw new Error('not seeded yet: send seed first');
  return sandbox;
}

async function run(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'seed': {
      if (sandbox) throw new Error('already seeded');
      sandbox = await AwsSandbox.start(command.aws);
      latencyMs = command.aws.latencyMs ?? 0;
      const summary = seedScale(sandbox.state, command.scale);
      const reply: SeedReply = { endpoint: sandbox.endpoint, env: sandbox.env(), summary, floorInput: floorInput(sandbox.state, summary.scopes) };
      return reply;
    }
    case 'setLatency':
      started().setLatency(command.ms);
      latencyMs = command.ms;
      return null;
    case 'latency':
      started();
      return latencyMs;
    case 'setThrottleRate':
      started().setThrottleRate(command.rate);
      return null;
    case 'resetCounts':
      started().resetCounts();
      return null;
    case 'callCounts':
      return started().callCounts();
    case 'throttledCount':
      return started().throttledCount();
    case 'cpuUsage':
      return process.cpuUsage();
    case 'close':
      await sandbox?.close();
      sandbox = undefined;
      return null;
  }
}

function reply(message: Reply, then?: () => void): void {
  if (!process.send) return;
  process.send(message, undefined, {}, () => then?.());
}

if (!process.send) {
  console.error('bench/awsChild.ts runs as a child of the bench (it needs an IPC channel)');
  process.exit(2);
}

process.on('message', (command: Command) => {
  run(command).then(
    (value) => reply({ id: command.id, ok: true, value }, command.cmd === 'close' ? () => process.exit(0) : undefined),
    (err: unknown) => reply({ id: command.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
// The parent died or closed the channel without `close`: nothing left to serve.
process.on('disconnect', () => process.exit(0));
