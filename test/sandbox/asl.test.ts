// The sandbox's Amazon States Language interpreter (src/sandbox/aws/asl.ts). Every definition run
// here is first checked with asl-validator, so the tests only ever run valid ASL.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { runStateMachine, StatesError, type AslEvent, type AslRunOptions } from '../../src/sandbox/aws/asl.js';

interface AslValidation {
  isValid: boolean;
  errorsText(separator?: string): string;
}
/** asl-validator 4.0.0 is CommonJS (`module.exports = validator`) and ships no type declarations. */
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => AslValidation;

function expectValidAsl(definition: object): void {
  // The validator writes QueryLanguage into every state it visits: validate a copy.
  const validation = aslValidator(structuredClone(definition));
  expect(validation.isValid, validation.errorsText()).toBe(true);
}

type Handler = (payload: unknown) => unknown;

interface Run {
  output: Promise<unknown>;
  calls: { functionName: string; payload: unknown; at: number }[];
  events: AslEvent[];
}

/** Validates the definition, then runs it with in-process "functions" named by the last part of their ARN. */
function run(definition: object, input: unknown, handlers: Record<string, Handler> = {}, options: Partial<AslRunOptions> = {}): Run {
  expectValidAsl(definition);
  const calls: Run['calls'] = [];
  const events: AslEvent[] = [];
  const invokeLambda = async (functionName: string, payload: unknown) => {
    calls.push({ functionName, payload, at: performance.now() });
    const handler = handlers[functionName.split(':').at(-1) ?? ''];
    if (!handler) throw new Error(`no function ${functionName}`);
    return handler(payload);
  };
  const output = runStateMachine(definition, input, { invokeLambda, onEvent: (event) => events.push(event), ...options });
  return { output, calls, events };
}

async function failureOf(output: Promise<unknown>): Promise<StatesError> {
  const error: unknown = await output.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(StatesError);
  return error as StatesError;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const INVOKE = 'arn:aws:states:::lambda:invoke';
const functionArn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

/** A lambda:invoke Task whose result is the function's own result (ResultSelector picks Payload). */
function invokeTask(functionName: string, payload: object, rest: object): object {
  return {
    Type: 'Task',
    Resource: INVOKE,
    Parameters: { FunctionName: functionArn(functionName), Payload: payload },
    ResultSelector: { 'value.$': '$.Payload' },
    ...rest,
  };
}

// The remediation workflow as serverless.yml defines it (RemediationStateMachine), with
// ${Partition} and ${AdvanceFunctionArn} substituted the way CloudFormation does.
const ADVANCE = 'glue-encrypt-ci-advance';
const advanceResult = {
  'remediationId.$': '$.Payload.remediationId',
  'done.$': '$.Payload.done',
  'waitSeconds.$': '$.Payload.waitSeconds',
  'status.$': '$.Payload.status',
  'step.$': '$.Payload.step',
};
const remediationDefinition = {
  Comment: 'glue-encrypt remediation, revert and retire workflow; one advance call per step',
  StartAt: 'Advance',
  States: {
    Advance: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: functionArn(ADVANCE), Payload: { 'remediationId.$': '$.remediationId' } },
      TimeoutSeconds: 180,
      ResultSelector: advanceResult,
      ResultPath: '$',
      Retry: [
        {
          ErrorEquals: [
            'Lambda.ServiceException',
            'Lambda.AWSLambdaException',
            'Lambda.SdkClientException',
            'Lambda.ClientExecutionTimeoutException',
            'Lambda.TooManyRequestsException',
            'States.Timeout',
          ],
          IntervalSeconds: 5,
          MaxAttempts: 5,
          BackoffRate: 2,
          MaxDelaySeconds: 120,
          JitterStrategy: 'FULL',
        },
        { ErrorEquals: ['Lambda.Unknown', 'Sandbox.Timedout', 'ConcurrentUpdateError'], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2 },
        { ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: 'FULL' },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Abort' }],
      Next: 'IsDone',
    },
    Abort: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: functionArn(ADVANCE), Payload: { 'remediationId.$': '$.remediationId', abort: true, 'error.$': '$.error.Error' } },
      TimeoutSeconds: 180,
      ResultSelector: advanceResult,
      ResultPath: '$',
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 5, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
      Next: 'IsDone',
    },
    Failed: {
      Type: 'Fail',
      Error: 'RemediationAborted',
      Cause: 'Neither the step nor the abort could be saved; the request needs a person (see its Slack message and audit trail).',
    },
    IsDone: { Type: 'Choice', Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'Done' }], Default: 'Wait' },
    Wait: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Advance' },
    Done: { Type: 'Succeed' },
  },
};

describe('the remediation workflow from serverless.yml', () => {
  it('loops Advance -> IsDone -> Wait until advance reports done', async () => {
    let steps = 0;
    const advance = (payload: unknown) => {
      steps += 1;
      const { remediationId } = payload as { remediationId: string };
      return { remediationId, done: steps === 3, waitSeconds: 30, status: steps === 3 ? 'succeeded' : 'running', step: `step-${steps}`, extra: 'dropped' };
    };
    const { output, calls, events } = run(remediationDefinition, { remediationId: 'rem-1' }, { [ADVANCE]: advance });

    expect(await output).toEqual({ remediationId: 'rem-1', done: true, waitSeconds: 30, status: 'succeeded', step: 'step-3' });
    expect(calls.map((call) => call.payload)).toEqual([{ remediationId: 'rem-1' }, { remediationId: 'rem-1' }, { remediationId: 'rem-1' }]);
    expect(calls[0]?.functionName).toBe(functionArn(ADVANCE));
    expect(events.filter((event) => event.type === 'TaskSucceeded').map((event) => event.state)).toEqual(['Advance', 'Advance', 'Advance']);
  });

  it('waits SecondsPath seconds between steps, scaled by waitScaleMs', async () => {
    let steps = 0;
    const advance = () => {
      steps += 1;
      return { remediationId: 'rem-2', done: steps === 2, waitSeconds: 4, status: 'running', step: 'x' };
    };
    const { output, calls } = run(remediationDefinition, { remediationId: 'rem-2' }, { [ADVANCE]: advance }, { waitScaleMs: 5 });
    await output;
    // One Wait of 4 s at 5 ms per second between the two calls.
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(19);
  });

  it('turns to Abort with the error name once every retry is spent', async () => {
    const advance = (payload: unknown) => {
      const { remediationId, abort, error } = payload as { remediationId: string; abort?: boolean; error?: string };
      if (!abort) throw namedError('DependencyThrottled', 'STS is throttling us');
      return { remediationId, done: true, waitSeconds: 0, status: `aborted: ${error}`, step: 'abort' };
    };
    const { output, calls } = run(remediationDefinition, { remediationId: 'rem-3' }, { [ADVANCE]: advance });

    expect(await output).toEqual({ remediationId: 'rem-3', done: true, waitSeconds: 0, status: 'aborted: DependencyThrottled', step: 'abort' });
    // The States.ALL retrier: 1 attempt + 5 retries, then Abort once.
    expect(calls).toHaveLength(7);
    expect(calls[6]?.payload).toEqual({ remediationId: 'rem-3', abort: true, error: 'DependencyThrottled' });
  });

  it('ends in the Fail state with its Error and Cause when the abort fails too', async () => {
    const { output, calls } = run(remediationDefinition, { remediationId: 'rem-4' }, { [ADVANCE]: () => Promise.reject(new TypeError('down')) });
    const failure = await failureOf(output);

    expect(failure.error).toBe('RemediationAborted');
    expect(failure.name).toBe('RemediationAborted');
    expect(failure.cause).toMatch(/^Neither the step nor the abort could be saved/);
    // Advance: 1 + 5 retries; Abort: 1 + 5 retries.
    expect(calls).toHaveLength(12);
  });
});

describe('Retry and Catch', () => {
  it('retries a failing task and goes on with its result', async () => {
    let attempts = 0;
    const flaky = () => {
      attempts += 1;
      if (attempts < 3) throw namedError('Flaky', `attempt ${attempts}`);
      return { ok: attempts };
    };
    const definition = {
      StartAt: 'Call',
      States: {
        Call: invokeTask('flaky', {}, { Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 }], End: true }),
      },
    };
    const { output, calls, events } = run(definition, {}, { flaky }, { waitScaleMs: 10 });

    expect(await output).toEqual({ value: { ok: 3 } });
    expect(calls).toHaveLength(3);
    // IntervalSeconds 1 then x BackoffRate 2: 10 ms, then 20 ms.
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(9);
    expect((calls[2]?.at ?? 0) - (calls[1]?.at ?? 0)).toBeGreaterThanOrEqual(19);
    expect(events.map((event) => event.type)).toEqual(['TaskStarted', 'TaskFailed', 'TaskStarted', 'TaskFailed', 'TaskStarted', 'TaskSucceeded']);
  });

  it('catches the error into ResultPath $.error once the retries are exhausted', async () => {
    const definition = {
      StartAt: 'Call',
      States: {
        Call: invokeTask(
          'broken',
          { 'id.$': '$.id' },
          {
            Retry: [
              { ErrorEquals: ['States.Timeout'], MaxAttempts: 0 },
              { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 2 },
            ],
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Recover' }],
            Next: 'Unreached',
          },
        ),
        Unreached: { Type: 'Succeed' },
        Recover: { Type: 'Pass', End: true },
      },
    };
    const { output, calls } = run(definition, { id: 'x-1' }, { broken: () => Promise.reject(new TypeError('cannot read properties of undefined')) });
    const result = (await output) as { id: string; error: { Error: string; Cause: string } };

    expect(calls).toHaveLength(3);
    expect(result.id).toBe('x-1');
    expect(result.error.Error).toBe('TypeError');
    expect(JSON.parse(result.error.Cause)).toEqual({ errorMessage: 'cannot read properties of undefined', errorType: 'TypeError' });
  });

  it('times a task out with States.Timeout, which States.TaskFailed does not catch', async () => {
    const definition = {
      StartAt: 'Slow',
      States: {
        Slow: invokeTask(
          'slow',
          {},
          {
            TimeoutSeconds: 2,
            Catch: [
              { ErrorEquals: ['States.TaskFailed'], Next: 'TaskFailed' },
              { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' },
            ],
            End: true,
          },
        ),
        TaskFailed: { Type: 'Pass', Result: 'task failed', End: true },
        TimedOut: { Type: 'Pass', End: true },
      },
    };
    // TimeoutSeconds 2 at 5 ms per second: 10 ms, against a function that takes 200 ms.
    const { output } = run(definition, {}, { slow: () => sleep(200).then(() => 'late') }, { waitScaleMs: 5 });
    expect(await output).toMatchObject({ error: { Error: 'States.Timeout' } });
  });

  it('fails with States.Runtime for a path that is not in the input, which States.ALL does not catch', async () => {
    const definition = {
      StartAt: 'Call',
      States: {
        Call: invokeTask('echo', { 'missing.$': '$.nothing.here' }, { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true }),
        Caught: { Type: 'Succeed' },
      },
    };
    const { output, calls } = run(definition, { something: 1 }, { echo: (payload) => payload });
    const failure = await failureOf(output);
    expect(failure.error).toBe('States.Runtime');
    expect(failure.cause).toContain('$.nothing.here');
    expect(calls).toHaveLength(0);
  });
});

describe('input and output processing', () => {
  it('keeps the input as the output with ResultPath null', async () => {
    const definition = { StartAt: 'Audit', States: { Audit: invokeTask('audit', { 'who.$': '$.who' }, { ResultPath: null, End: true }) } };
    const input = { who: 'ada', labels: ['a', 'b'] };
    const { output, calls } = run(definition, input, { audit: () => ({ recorded: true }) });

    expect(await output).toEqual(input);
    expect(calls.map((call) => call.payload)).toEqual([{ who: 'ada' }]);
  });

  it('applies InputPath, Parameters, ResultSelector, nested ResultPath and OutputPath in order', async () => {
    const definition = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: INVOKE,
          InputPath: '$.request',
          Parameters: { FunctionName: 'lookup', Payload: { 'key.$': "$['key']", fixed: 1 } },
          ResultSelector: { 'found.$': '$.Payload.rows[0]', 'status.$': '$.StatusCode', 'version.$': '$.ExecutedVersion' },
          ResultPath: '$.response.first',
          OutputPath: '$.response',
          End: true,
        },
      },
    };
    const { output, calls } = run(definition, { request: { key: 'k1' }, other: true }, { lookup: () => ({ rows: ['row-a', 'row-b'] }) });

    expect(calls[0]).toMatchObject({ functionName: 'lookup', payload: { key: 'k1', fixed: 1 } });
    // ResultPath writes into the raw input (not the InputPath selection), creating `response`.
    expect(await output).toEqual({ first: { found: 'row-a', status: 200, version: '$LATEST' } });
  });

  it('passes the effective input to a plain Lambda function ARN and takes its result as is', async () => {
    const definition = { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: functionArn('echo'), ResultPath: '$.echoed', End: true } } };
    const { output } = run(definition, { n: 1 }, { echo: (payload) => ({ got: payload }) });
    expect(await output).toEqual({ n: 1, echoed: { got: { n: 1 } } });
  });

  it('gives the context object to $$ paths', async () => {
    const definition = {
      StartAt: 'Describe',
      States: {
        Describe: {
          Type: 'Pass',
          Parameters: {
            'id.$': '$$.Execution.Id',
            'name.$': '$$.Execution.Name',
            'input.$': '$$.Execution.Input',
            'started.$': '$$.Execution.StartTime',
            'state.$': '$$.State.Name',
            'entered.$': '$$.State.EnteredTime',
            'machine.$': '$$.StateMachine.Id',
          },
          End: true,
        },
      },
    };
    const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:glue-encrypt-ci-remediation:rem-9';
    const now = () => new Date('2026-01-02T03:04:05.000Z');
    const { output } = run(definition, { a: 1 }, {}, { executionArn, now });

    expect(await output).toEqual({
      id: executionArn,
      name: 'rem-9',
      input: { a: 1 },
      started: '2026-01-02T03:04:05.000Z',
      state: 'Describe',
      entered: '2026-01-02T03:04:05.000Z',
      machine: 'arn:aws:states:eu-west-1:123456789012:stateMachine:glue-encrypt-ci-remediation',
    });
  });
});

describe('intrinsic functions', () => {
  it('formats a string with States.Format, nested calls and escaped braces', async () => {
    const definition = {
      StartAt: 'Greet',
      States: {
        Greet: {
          Type: 'Pass',
          Parameters: { 'message.$': "States.Format('Hello, {}! {} \\{labels\\} for {}', $.name, States.ArrayLength($.labels), 'you')" },
          End: true,
        },
      },
    };
    const { output } = run(definition, { name: 'Ada', labels: ['x', 'y', 'z'] });
    expect(await output).toEqual({ message: 'Hello, Ada! 3 {labels} for you' });
  });

  it('evaluates the other supported functions', async () => {
    const definition = {
      StartAt: 'Compute',
      States: {
        Compute: {
          Type: 'Pass',
          Parameters: {
            'parsed.$': 'States.StringToJson($.raw)',
            'text.$': 'States.JsonToString($.object)',
            'array.$': "States.Array($.object.n, 'two', true, null)",
            'sum.$': 'States.MathAdd($.object.n, -3)',
            'id.$': 'States.UUID()',
          },
          End: true,
        },
      },
    };
    const { output } = run(definition, { raw: '{"a":[1,2]}', object: { n: 5 } });
    const result = (await output) as Record<string, unknown>;

    expect(result).toMatchObject({ parsed: { a: [1, 2] }, text: '{"n":5}', array: [5, 'two', true, null], sum: 2 });
    expect(result.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('Choice', () => {
  const definition = {
    StartAt: 'Route',
    States: {
      Route: {
        Type: 'Choice',
        Choices: [
          { And: [{ Variable: '$.count', NumericGreaterThanEquals: 10 }, { Not: { Variable: '$.paused', BooleanEquals: true } }], Next: 'Big' },
          { Variable: '$.name', StringMatches: 'glue-*-prod', Next: 'Production' },
          { Variable: '$.count', NumericLessThanPath: '$.limit', Next: 'UnderLimit' },
          { Or: [{ Variable: '$.name', IsNull: true }, { Variable: '$.optional', IsPresent: true }], Next: 'Odd' },
        ],
        Default: 'Other',
      },
      Big: { Type: 'Pass', Result: 'Big', End: true },
      Production: { Type: 'Pass', Result: 'Production', End: true },
      UnderLimit: { Type: 'Pass', Result: 'UnderLimit', End: true },
      Odd: { Type: 'Pass', Result: 'Odd', End: true },
      Other: { Type: 'Pass', Result: 'Other', End: true },
    },
  };

  it.each([
    [{ count: 12, paused: false, name: 'x', limit: 0 }, 'Big'],
    [{ count: 12, paused: true, name: 'glue-ml-prod', limit: 0 }, 'Production'],
    [{ count: 3, paused: true, name: 'glue-ml-dev', limit: 5 }, 'UnderLimit'],
    [{ count: 7, paused: true, name: null, limit: 5 }, 'Odd'],
    [{ count: 7, paused: true, name: 'n', limit: 5, optional: 0 }, 'Odd'],
    [{ count: 7, paused: true, name: 'n', limit: 5 }, 'Other'],
  ])('routes %j to %s', async (input, expected) => {
    expect(await run(definition, input).output).toBe(expected);
  });

  it('fails with States.NoChoiceMatched when no rule matches and there is no Default', async () => {
    const noDefault = { StartAt: 'Route', States: { Route: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'One' }] }, One: { Type: 'Succeed' } } };
    expect((await failureOf(run(noDefault, { n: 2 }).output)).error).toBe('States.NoChoiceMatched');
  });
});

describe('Map', () => {
  it('runs 30 inline iterations at most 5 at a time and keeps the item order', async () => {
    let running = 0;
    let peak = 0;
    const double = async (payload: unknown) => {
      running += 1;
      peak = Math.max(peak, running);
      await sleep(2);
      running -= 1;
      return (payload as { n: number }).n * 2;
    };
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 5,
          ItemProcessor: { StartAt: 'Double', States: { Double: invokeTask('double', { 'n.$': '$' }, { End: true }) } },
          End: true,
        },
      },
    };
    const items = Array.from({ length: 30 }, (_, index) => index);
    const { output, events } = run(definition, { items }, { double });

    expect(await output).toEqual(items.map((n) => ({ value: n * 2 })));
    expect(peak).toBeLessThanOrEqual(5);
    expect(peak).toBeGreaterThan(1);
    expect(events.filter((event) => event.type === 'MapIterationSucceeded')).toHaveLength(30);
    expect(events.find((event) => event.type === 'TaskStarted')).toMatchObject({ state: 'Double', depth: 1 });
  });

  it('builds each iteration input with ItemSelector from $$.Map.Item and the outer input', async () => {
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.detail.transforms',
          ItemSelector: { 'transform.$': '$$.Map.Item.Value', 'position.$': '$$.Map.Item.Index', 'bucket.$': '$.bucket' },
          ItemProcessor: { StartAt: 'Keep', States: { Keep: { Type: 'Pass', End: true } } },
          ResultPath: '$.results',
          End: true,
        },
      },
    };
    const input = { bucket: 'labels', detail: { transforms: ['tfm-a', 'tfm-b', 'tfm-c'] } };
    const { output } = run(definition, input);

    expect(await output).toEqual({
      ...input,
      results: [
        { transform: 'tfm-a', position: 0, bucket: 'labels' },
        { transform: 'tfm-b', position: 1, bucket: 'labels' },
        { transform: 'tfm-c', position: 2, bucket: 'labels' },
      ],
    });
  });

  it("stops at the first failing inline iteration and the Map's Catch handles its error", async () => {
    const check = (payload: unknown) => {
      const { n } = payload as { n: number };
      if (n === 3) throw new RangeError(`item ${n} is out of range`);
      return n;
    };
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 1,
          ItemProcessor: { StartAt: 'Check', States: { Check: invokeTask('check', { 'n.$': '$' }, { End: true }) } },
          Catch: [{ ErrorEquals: ['RangeError'], ResultPath: '$.failure', Next: 'Recovered' }],
          Next: 'Unreached',
        },
        Unreached: { Type: 'Succeed' },
        Recovered: { Type: 'Pass', End: true },
      },
    };
    const { output, calls, events } = run(definition, { items: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, { check });
    const result = (await output) as { items: number[]; failure: { Error: string; Cause: string } };

    expect(result.failure.Error).toBe('RangeError');
    expect(JSON.parse(result.failure.Cause)).toMatchObject({ errorMessage: 'item 3 is out of range' });
    // One at a time: the iterations after the failing one never start.
    expect(calls).toHaveLength(3);
    expect(events.filter((event) => event.type === 'MapIterationFailed')).toMatchObject([{ state: 'Each', index: 2, error: 'RangeError' }]);
  });

  describe('DISTRIBUTED with ToleratedFailurePercentage 10', () => {
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 4,
          ToleratedFailurePercentage: 10,
          Label: 'Check',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Check',
            States: { Check: invokeTask('check', { 'n.$': '$', 'execution.$': '$$.Execution.Id', 'input.$': '$$.Execution.Input' }, { End: true }) },
          },
          End: true,
        },
      },
    };
    const items = Array.from({ length: 20 }, (_, index) => index);
    const checkFailing = (failing: number[]) => (payload: unknown) => {
      const { n } = payload as { n: number };
      if (failing.includes(n)) throw namedError('ItemBroken', `item ${n}`);
      return payload;
    };

    it('succeeds with 1 of 20 items failing, each item a child execution', async () => {
      const { output } = run(definition, { items }, { check: checkFailing([7]) });
      const results = (await output) as { value?: { n: number; execution: string; input: unknown }; Error?: string; Cause?: string }[];

      expect(results).toHaveLength(20);
      expect(results[7]).toEqual({ Error: 'ItemBroken', Cause: JSON.stringify({ errorMessage: 'item 7', errorType: 'ItemBroken' }) });
      const succeeded = results.filter((_, index) => index !== 7);
      expect(succeeded.map((result) => result.value?.n)).toEqual(items.filter((n) => n !== 7));
      // Every child has its own execution, whose input is its item.
      expect(new Set(succeeded.map((result) => result.value?.execution)).size).toBe(19);
      expect(succeeded[0]?.value?.execution).toMatch(/:execution:sandbox\/Check:/);
      expect(succeeded[0]?.value?.input).toBe(0);
    });

    it('fails with States.ExceedToleratedFailureThreshold with 5 of 20 failing', async () => {
      const failure = await failureOf(run(definition, { items }, { check: checkFailing([1, 5, 9, 13, 17]) }).output);
      expect(failure.error).toBe('States.ExceedToleratedFailureThreshold');
    });
  });
});

describe('Parallel', () => {
  it('runs every branch on the same input and returns their outputs in branch order', async () => {
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Left', States: { Left: invokeTask('slow', { 'n.$': '$.n' }, { End: true }) } },
            { StartAt: 'Right', States: { Right: { Type: 'Pass', Parameters: { 'twice.$': 'States.MathAdd($.n, $.n)' }, End: true } } },
          ],
          End: true,
        },
      },
    };
    const { output } = run(definition, { n: 4 }, { slow: (payload) => sleep(5).then(() => payload) });
    expect(await output).toEqual([{ value: { n: 4 } }, { twice: 8 }]);
  });
});

describe('limits and unsupported features', () => {
  it('stops a runaway loop with States.Runtime after 100,000 transitions', async () => {
    const definition = {
      StartAt: 'Spin',
      States: {
        Spin: { Type: 'Pass', Next: 'Again' },
        Again: { Type: 'Choice', Choices: [{ Variable: '$.forever', BooleanEquals: true, Next: 'Spin' }], Default: 'Stop' },
        Stop: { Type: 'Succeed' },
      },
    };
    const failure = await failureOf(run(definition, { forever: true }).output);
    expect(failure.error).toBe('States.Runtime');
    expect(failure.cause).toContain('100000');
  });

  const firstAudit = { Type: 'Task', Resource: functionArn('audit'), ResultPath: null };
  it.each([
    [
      'an ItemReader',
      {
        Audit: { ...firstAudit, Next: 'Fan' },
        Fan: {
          Type: 'Map',
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'labels', Key: 'items.json' } },
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' }, StartAt: 'Keep', States: { Keep: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    ],
    [
      'a non-Lambda resource nested in a Map',
      {
        Audit: { ...firstAudit, Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Save',
            States: { Save: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: 't', Item: {} }, End: true } },
          },
          End: true,
        },
      },
    ],
    ['an unsupported intrinsic function', { Audit: { ...firstAudit, Next: 'Hash' }, Hash: { Type: 'Pass', Parameters: { 'h.$': "States.Hash($.x, 'SHA-256')" }, End: true } }],
    [
      'a timestamp comparison',
      {
        Audit: { ...firstAudit, Next: 'When' },
        When: { Type: 'Choice', Choices: [{ Variable: '$.at', TimestampGreaterThan: '2026-01-01T00:00:00Z', Next: 'Later' }], Default: 'Later' },
        Later: { Type: 'Succeed' },
      },
    ],
  ])('rejects %s before calling any function', async (_what, states) => {
    const { output, calls } = run({ StartAt: 'Audit', States: states }, { x: 'a', at: '2026-02-01T00:00:00Z' }, { audit: () => ({}) });
    await expect(output).rejects.toThrow(/^sandbox ASL: unsupported /);
    expect(calls).toHaveLength(0);
  });

  it('rejects the JSONata query language', async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'Audit',
      States: { Audit: { Type: 'Task', Resource: INVOKE, Arguments: { FunctionName: functionArn('audit'), Payload: '{% $states.input %}' }, End: true } },
    };
    const { output, calls } = run(definition, {}, { audit: () => ({}) });
    await expect(output).rejects.toThrow('sandbox ASL: unsupported QueryLanguage "JSONata" (only JSONPath)');
    expect(calls).toHaveLength(0);
  });
});
