// AWS Step Functions (AWS JSON 1.0, X-Amz-Target: AWSStepFunctions.<Operation>): StartExecution and
// DescribeExecution. A registered in-process "driver" plays the state machine.
import { parseArn } from './arns.js';
import type { BackgroundWork } from './background.js';
import { AwsError } from './errors.js';
import { optionalString, requiredString } from './input.js';
import type { SandboxState } from './state.js';
import { jsonRpcService, type Service } from './service.js';

export const SFN_TARGET_PREFIX = 'AWSStepFunctions';

export type StateMachineDriver = (executionArn: string, input: string) => Promise<unknown>;

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
}

export class StateMachines {
  private readonly drivers = new Map<string, StateMachineDriver>();
  readonly executions = new Map<string, Execution>();

  register(stateMachineArn: string, driver: StateMachineDriver): void {
    if (!parseStateMachineArn(stateMachineArn)) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
    this.drivers.set(stateMachineArn, driver);
  }

  driver(stateMachineArn: string): StateMachineDriver | undefined {
    return this.drivers.get(stateMachineArn);
  }
}

function parseStateMachineArn(arn: string): { region: string; accountId: string; name: string } | undefined {
  const parsed = parseArn(arn);
  const [kind, name] = parsed?.resource.split(':') ?? [];
  if (!parsed || parsed.service !== 'states' || kind !== 'stateMachine' || !name) return undefined;
  return { region: parsed.region, accountId: parsed.accountId, name };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function sfnService(state: SandboxState, machines: StateMachines, background: BackgroundWork): Service {
  return jsonRpcService('states', 'json1.0', {
    StartExecution(_caller, input) {
      const stateMachineArn = requiredString(input, 'stateMachineArn');
      const machine = parseStateMachineArn(stateMachineArn);
      if (!machine) throw new AwsError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
      const driver = machines.driver(stateMachineArn);
      if (!driver) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
      const name = optionalString(input, 'name') ?? state.ids.uuid();
      if (!/^[\w-]{1,80}$/.test(name)) throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
      const executionInput = optionalString(input, 'input') ?? '{}';
      if (!isJson(executionInput)) throw new AwsError('InvalidExecutionInput', 'Invalid State Machine Execution Input: input is not JSON');

      const executionArn = `arn:aws:states:${machine.region}:${machine.accountId}:execution:${machine.name}:${name}`;
      const existing = machines.executions.get(executionArn);
      if (existing) {
        // AWS's idempotency: same name and input while still running returns the running execution;
        // different input, or an execution that has ended, is ExecutionAlreadyExists.
        if (existing.status === 'RUNNING' && existing.input === executionInput) {
          return { executionArn, startDate: existing.startDate };
        }
        throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const execution: Execution = { executionArn, stateMachineArn, name, input: executionInput, status: 'RUNNING', startDate: new Date(state.now()) };
      machines.executions.set(executionArn, execution);
      background.start(async () => {
        try {
          const result = await driver(executionArn, executionInput);
          Object.assign(execution, { status: 'SUCCEEDED', output: JSON.stringify(result ?? null) });
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          Object.assign(execution, { status: 'FAILED', error: e.name, cause: e.message });
        } finally {
          execution.stopDate = new Date(state.now());
        }
      });
      return { executionArn, startDate: execution.startDate };
    },

    DescribeExecution(_caller, input) {
      const executionArn = requiredString(input, 'executionArn');
      if (!parseArn(executionArn)?.resource.startsWith('execution:')) throw new AwsError('InvalidArn', `Invalid Arn: '${executionArn}'`);
      const execution = machines.executions.get(executionArn);
      if (!execution) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
      return { ...execution };
    },
  });
}
