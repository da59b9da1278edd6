// Lambda Invoke and Step Functions executions through the real SDK clients.
import { InvokeCommand, ResourceNotFoundException, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox } from '../../src/sandbox/aws/index.js';
import { lambdaClient, rejection, sfnClient } from './clients.js';

let sandbox: AwsSandbox;
let lambda: LambdaClient;
let sfn: SFNClient;

beforeAll(async () => {
  sandbox = await AwsSandbox.start();
  lambda = lambdaClient(sandbox);
  sfn = sfnClient(sandbox);
});

afterAll(() => sandbox.close());

const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decode = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes)) as unknown;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Lambda', () => {
  it('runs an Event invocation after answering 202, and idle() waits for it', async () => {
    const seen: unknown[] = [];
    sandbox.registerFunction('glue-encrypt-worker', async (event) => {
      await sleep(50);
      seen.push(event);
    });
    const result = await lambda.send(new InvokeCommand({ FunctionName: 'glue-encrypt-worker', InvocationType: 'Event', Payload: payload({ job: 'scan' }) }));
    expect(result.StatusCode).toBe(202);
    expect(seen).toEqual([]);
    await sandbox.idle();
    expect(seen).toEqual([{ job: 'scan' }]);
    expect(sandbox.invocations().at(-1)).toMatchObject({ functionName: 'glue-encrypt-worker', invocationType: 'Event', status: 'succeeded' });
  });

  it('idle() also waits for work that background work starts', async () => {
    const order: string[] = [];
    const machine = 'arn:aws:states:eu-west-1:111111111111:stateMachine:chained';
    sandbox.registerStateMachine(machine, async () => {
      await sleep(30);
      order.push('execution done');
    });
    sandbox.registerFunction('starts-an-execution', async () => {
      await sleep(10);
      await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, input: '{}' }));
      order.push('function done');
    });
    await lambda.send(new InvokeCommand({ FunctionName: 'starts-an-execution', InvocationType: 'Event' }));
    await sandbox.idle();
    expect(order).toEqual(['function done', 'execution done']);
  });

  it('returns a RequestResponse result, and a thrown error as FunctionError', async () => {
    sandbox.registerFunction('echo', async (event) => ({ echoed: event }));
    sandbox.registerFunction('broken', async () => {
      throw new TypeError('cannot read the approval');
    });
    const ok = await lambda.send(new InvokeCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:111111111111:function:echo', Payload: payload({ a: 1 }) }));
    expect(ok.StatusCode).toBe(200);
    expect(ok.FunctionError).toBeUndefined();
    expect(decode(ok.Payload)).toEqual({ echoed: { a: 1 } });
    const failed = await lambda.send(new InvokeCommand({ FunctionName: 'broken', Payload: payload({}) }));
    expect(failed.FunctionError).toBe('Unhandled');
    expect(decode(failed.Payload)).toMatchObject({ errorType: 'TypeError', errorMessage: 'cannot read the approval' });
  });

  it('answers ResourceNotFoundException (404) for an unknown function', async () => {
    const error = await rejection(lambda.send(new InvokeCommand({ FunctionName: 'nope', InvocationType: 'Event' })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.$metadata?.httpStatusCode).toBe(404);
  });
});

describe('Step Functions', () => {
  const machine = 'arn:aws:states:eu-west-1:111111111111:stateMachine:glue-encrypt-remediation';
  // Executions wait at this gate until a test opens it, so "still running" is never a race.
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const closeGate = () => {
    gate = new Promise<void>((resolve) => (release = resolve));
  };

  beforeAll(() => {
    sandbox.registerStateMachine(machine, async (executionArn, input) => {
      await gate;
      const parsed = JSON.parse(input) as { fail?: boolean };
      if (parsed.fail) throw Object.assign(new Error('labels did not match'), { name: 'LabelCountMismatch' });
      return { executionArn, done: true };
    });
  });

  it('starts an execution, is idempotent for the same name and input while it runs, and refuses other input', async () => {
    closeGate();
    const input = JSON.stringify({ transformId: 'tfm-1' });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'remediate-tfm-1', input }));
    expect(first.executionArn).toBe('arn:aws:states:eu-west-1:111111111111:execution:glue-encrypt-remediation:remediate-tfm-1');
    expect(first.startDate).toBeInstanceOf(Date);
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'remediate-tfm-1', input }));
    expect(again).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
    const other = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'remediate-tfm-1', input: '{"transformId":"tfm-2"}' })));
    expect(other).toBeInstanceOf(ExecutionAlreadyExists);

    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }))).status).toBe('RUNNING');
    release();
    await sandbox.idle();
    const finished = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(finished).toMatchObject({ status: 'SUCCEEDED', name: 'remediate-tfm-1', input, stateMachineArn: machine });
    expect(JSON.parse(finished.output ?? 'null')).toEqual({ executionArn: first.executionArn, done: true });
    expect(finished.stopDate).toBeInstanceOf(Date);

    // Once it has ended, even the same name and input is a duplicate.
    const ended = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'remediate-tfm-1', input })));
    expect(ended.name).toBe('ExecutionAlreadyExists');
  });

  it('reports a failed execution with its error and cause', async () => {
    closeGate();
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'remediate-fails', input: '{"fail":true}' }));
    release();
    await sandbox.idle();
    const failed = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(failed).toMatchObject({ status: 'FAILED', error: 'LabelCountMismatch', cause: 'labels did not match' });
  });

  it('answers StateMachineDoesNotExist and ExecutionDoesNotExist', async () => {
    const missing = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: `${machine}-nope`, input: '{}' })));
    expect(missing).toBeInstanceOf(StateMachineDoesNotExist);
    const noExecution = await rejection(
      sfn.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:glue-encrypt-remediation:never' })),
    );
    expect(noExecution.name).toBe('ExecutionDoesNotExist');
  });
});
