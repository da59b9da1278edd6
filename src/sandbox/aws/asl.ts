// An in-process interpreter of Amazon States Language (the JSONPath query language), so the
// sandbox can run a real state machine definition - the one in our CloudFormation template
// included - against in-process Lambda handlers.
//
// Behaviour follows the ASL specification (states-language.net) and the Step Functions developer
// guide; comments starting "AWS:" say what real Step Functions does where it matters.
//
// The whole definition is checked before anything runs: whatever this interpreter does not
// implement is refused up front with `sandbox ASL: unsupported ...`, never half-run.
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';

// ------------------------------------------------------------------------------------------------
// Public API

/** A Step Functions error: `error` is the error name (also `name`), `cause` the human-readable cause. */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    override readonly cause?: string,
  ) {
    super(cause ?? '');
    this.name = error;
  }
}

export type AslEvent =
  | { type: 'MapIterationStarted' | 'MapIterationSucceeded' | 'MapIterationAborted'; state: string; index: number; depth: number }
  | { type: 'MapIterationFailed'; state: string; index: number; depth: number; error: string; cause?: string }
  | { type: 'TaskStarted' | 'TaskSucceeded'; state: string; resource: string; depth: number }
  | { type: 'TaskFailed'; state: string; resource: string; depth: number; error: string; cause?: string };

export interface AslRunOptions {
  /** Invoke a Lambda function (ARN or name) synchronously with a payload; resolve with its result or reject with an Error whose `name` is the function's error type. */
  invokeLambda(functionName: string, payload: unknown): Promise<unknown>;
  /** Real milliseconds per second of Wait / Retry interval (default 0 = no real waiting). */
  waitScaleMs?: number;
  executionArn?: string; // for the $$ context object
  now?: () => Date;
  /** Observes events, for tests and benchmarks: map iteration start/end, task start/end (state name, depth). */
  onEvent?: (event: AslEvent) => void;
}

/** Runs `definition` on `input`; resolves with the execution's output or rejects with a StatesError. */
export async function runStateMachine(definition: unknown, input: unknown, options: AslRunOptions): Promise<unknown> {
  checkStateMachine(definition);
  const runtime = resolveRuntime(options);
  // AWS: StartExecution without input runs on {}.
  const executionInput = toJson(input === undefined ? {} : input);
  const executionArn = options.executionArn ?? `${DEFAULT_EXECUTION_ARN_PREFIX}${randomUUID()}`;
  const scope: Scope = {
    runtime,
    execution: newExecution(executionArn, executionInput, runtime.now()),
    signal: new AbortController().signal,
    depth: 0,
  };
  try {
    return toJson(await runMachine(definition, executionInput, scope));
  } catch (error) {
    throw asStatesError(error);
  }
}

// ------------------------------------------------------------------------------------------------
// Definition shapes (what checkStateMachine has verified)

type JsonObject = Record<string, unknown>;

interface MachineDefinition {
  StartAt: string;
  States: Record<string, StateDefinition>;
}

interface ProcessorDefinition extends MachineDefinition {
  ProcessorConfig?: { Mode?: 'INLINE' | 'DISTRIBUTED'; ExecutionType?: 'STANDARD' | 'EXPRESS' };
}

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

interface Transition {
  Next?: string;
  End?: boolean;
}

interface InputOutputPaths {
  InputPath?: string | null;
  OutputPath?: string | null;
}

/** Task, Map and Parallel: the states with a result, Retry and Catch. */
interface RecoverableState extends Transition, InputOutputPaths {
  ResultSelector?: unknown;
  ResultPath?: string | null;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

interface TaskState extends RecoverableState {
  Type: 'Task';
  Resource: string;
  Parameters?: unknown;
  TimeoutSeconds?: number;
}

interface PassState extends Transition, InputOutputPaths {
  Type: 'Pass';
  Result?: unknown;
  Parameters?: unknown;
  ResultPath?: string | null;
}

interface ChoiceRule {
  Variable?: string;
  Next?: string;
  And?: ChoiceRule[];
  Or?: ChoiceRule[];
  Not?: ChoiceRule;
}

interface ChoiceState extends InputOutputPaths {
  Type: 'Choice';
  Choices: ChoiceRule[];
  Default?: string;
}

interface WaitState extends Transition, InputOutputPaths {
  Type: 'Wait';
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
}

interface SucceedState extends InputOutputPaths {
  Type: 'Succeed';
}

interface FailState {
  Type: 'Fail';
  Error?: string;
  Cause?: string;
}

interface MapState extends RecoverableState {
  Type: 'Map';
  ItemsPath?: string;
  ItemSelector?: unknown;
  /** Legacy name of ItemSelector. */
  Parameters?: unknown;
  ItemProcessor?: ProcessorDefinition;
  /** Legacy name of ItemProcessor. */
  Iterator?: ProcessorDefinition;
  MaxConcurrency?: number;
  MaxConcurrencyPath?: string;
  ToleratedFailurePercentage?: number;
  ToleratedFailureCount?: number;
  Label?: string;
}

interface ParallelState extends RecoverableState {
  Type: 'Parallel';
  Branches: MachineDefinition[];
  Parameters?: unknown;
}

type StateDefinition = TaskState | PassState | ChoiceState | WaitState | SucceedState | FailState | MapState | ParallelState;

// ------------------------------------------------------------------------------------------------
// Up-front check: everything is verified before the first state runs.

const TOP_LEVEL_FIELDS = ['StartAt', 'States', 'Comment', 'Version', 'QueryLanguage'];
const PROCESSOR_FIELDS = ['StartAt', 'States', 'Comment', 'ProcessorConfig'];
const BRANCH_FIELDS = ['StartAt', 'States', 'Comment'];

const COMMON_FIELDS = ['Type', 'Comment', 'QueryLanguage'];
const TRANSITION_FIELDS = ['Next', 'End'];
const IO_FIELDS = ['InputPath', 'OutputPath'];
const RECOVERY_FIELDS = ['ResultSelector', 'ResultPath', 'Retry', 'Catch'];

/** The fields each supported state type may have; any other field is refused as unsupported. */
const STATE_FIELDS: Record<string, readonly string[]> = {
  Task: [...COMMON_FIELDS, ...TRANSITION_FIELDS, ...IO_FIELDS, ...RECOVERY_FIELDS, 'Resource', 'Parameters', 'TimeoutSeconds'],
  Pass: [...COMMON_FIELDS, ...TRANSITION_FIELDS, ...IO_FIELDS, 'Result', 'Parameters', 'ResultPath'],
  Choice: [...COMMON_FIELDS, ...IO_FIELDS, 'Choices', 'Default'],
  Wait: [...COMMON_FIELDS, ...TRANSITION_FIELDS, ...IO_FIELDS, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'],
  Succeed: [...COMMON_FIELDS, ...IO_FIELDS],
  Fail: [...COMMON_FIELDS, 'Error', 'Cause'],
  Map: [
    ...COMMON_FIELDS,
    ...TRANSITION_FIELDS,
    ...IO_FIELDS,
    ...RECOVERY_FIELDS,
    'ItemsPath',
    'ItemSelector',
    'Parameters',
    'ItemProcessor',
    'Iterator',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'ToleratedFailurePercentage',
    'ToleratedFailureCount',
    'Label',
  ],
  Parallel: [...COMMON_FIELDS, ...TRANSITION_FIELDS, ...IO_FIELDS, ...RECOVERY_FIELDS, 'Branches', 'Parameters'],
};

const LAMBDA_INVOKE_RESOURCE = /^arn:[\w-]+:states:::lambda:invoke$/;
const LAMBDA_FUNCTION_ARN = /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/;
const LAMBDA_INVOKE_PARAMETERS = ['FunctionName', 'Payload'];
const RETRIER_FIELDS = ['ErrorEquals', 'IntervalSeconds', 'MaxAttempts', 'BackoffRate', 'MaxDelaySeconds', 'JitterStrategy', 'Comment'];
const CATCHER_FIELDS = ['ErrorEquals', 'Next', 'ResultPath', 'Comment'];
/** RFC 3339, as Step Functions requires for Wait timestamps. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function unsupported(what: string, where: string): Error {
  return new Error(`sandbox ASL: unsupported ${what} (at ${where})`);
}

function invalid(what: string, where: string): Error {
  return new Error(`sandbox ASL: invalid definition: ${what} (at ${where})`);
}

function checkStateMachine(definition: unknown): asserts definition is MachineDefinition {
  checkMachine(definition, '', TOP_LEVEL_FIELDS);
}

function childLocation(where: string, key: string): string {
  return where === '' ? key : `${where}.${key}`;
}

function checkMachine(value: unknown, where: string, allowedFields: readonly string[]): void {
  const machine = requireObject(value, where || 'the definition');
  checkFields(machine, allowedFields, where || 'the definition');
  checkQueryLanguage(machine, where || 'the definition');
  const statesAt = childLocation(where, 'States');
  const states = requireObject(machine.States, statesAt);
  const names = new Set(Object.keys(states));
  if (typeof machine.StartAt !== 'string' || !names.has(machine.StartAt)) {
    throw invalid('StartAt must name one of its States', where || 'the definition');
  }
  for (const [name, state] of Object.entries(states)) checkState(state, `${statesAt}.${name}`, names);
}

function checkQueryLanguage(node: JsonObject, where: string): void {
  if (node.QueryLanguage !== undefined && node.QueryLanguage !== 'JSONPath') {
    throw unsupported(`QueryLanguage ${JSON.stringify(node.QueryLanguage)} (only JSONPath)`, where);
  }
}

function checkState(value: unknown, where: string, siblings: ReadonlySet<string>): void {
  const state = requireObject(value, where);
  const allowed = typeof state.Type === 'string' ? STATE_FIELDS[state.Type] : undefined;
  if (!allowed) throw unsupported(`state type ${JSON.stringify(state.Type)}`, where);
  checkFields(state, allowed, where);
  checkQueryLanguage(state, where);
  if (allowed.includes('Next')) checkTransition(state, where, siblings);
  for (const field of ['InputPath', 'OutputPath', 'ResultPath'] as const) {
    if (field in state) checkPath(state[field], `${where}.${field}`, { nullable: true });
  }
  for (const field of ['Parameters', 'ResultSelector', 'ItemSelector'] as const) {
    if (state[field] !== undefined) checkTemplate(state[field], `${where}.${field}`);
  }
  if (allowed.includes('Retry')) checkRecovery(state, where, siblings);

  switch (state.Type) {
    case 'Task':
      return checkTask(state, where);
    case 'Choice':
      return checkChoice(state, where, siblings);
    case 'Wait':
      return checkWait(state, where);
    case 'Fail':
      return checkFail(state, where);
    case 'Map':
      return checkMap(state, where);
    case 'Parallel':
      return checkParallel(state, where);
  }
}

function checkFields(node: JsonObject, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(node)) {
    if (!allowed.includes(key)) throw unsupported(`field '${key}'`, where);
  }
}

function checkTransition(state: JsonObject, where: string, siblings: ReadonlySet<string>): void {
  const ends = state.End === true;
  if (ends === (state.Next !== undefined) || (state.End !== undefined && typeof state.End !== 'boolean')) {
    throw invalid('a state needs either Next or "End": true', where);
  }
  if (!ends) checkTarget(state.Next, `${where}.Next`, siblings);
}

function checkTarget(target: unknown, where: string, siblings: ReadonlySet<string>): void {
  // AWS: transitions cannot leave the States they are in (a Map's processor or a Parallel branch).
  if (typeof target !== 'string' || !siblings.has(target)) throw invalid(`${JSON.stringify(target)} is not a state here`, where);
}

function checkPath(value: unknown, where: string, { nullable = false } = {}): void {
  if (value === null && nullable) return;
  if (typeof value !== 'string') throw invalid('a path must be a string', where);
  if (!parseReferencePath(value)) throw unsupported(`path '${value}' (only $, $.a.b, $.a[0] and $['a'])`, where);
}

function checkTemplate(template: unknown, where: string): void {
  if (Array.isArray(template)) {
    template.forEach((item, index) => checkTemplate(item, `${where}[${index}]`));
    return;
  }
  if (!isJsonObject(template)) return;
  for (const [key, value] of Object.entries(template)) {
    const at = `${where}.${key}`;
    if (!key.endsWith('.$')) checkTemplate(value, at);
    else if (typeof value !== 'string') throw invalid('a field ending in .$ needs a string', at);
    else checkDynamicValue(value, at);
  }
}

/** A `.$` field's value: a path on the input, a `$$.` path on the context object, or an intrinsic function. */
function checkDynamicValue(expression: string, where: string): void {
  if (expression.startsWith('$$')) {
    if (!parseContextPath(expression)) throw unsupported(`context path '${expression}'`, where);
  } else if (expression.startsWith('$')) {
    checkPath(expression, where);
  } else {
    parseIntrinsic(expression, where);
  }
}

function checkRecovery(state: JsonObject, where: string, siblings: ReadonlySet<string>): void {
  if (state.Retry !== undefined) {
    const retriers = requireArray(state.Retry, `${where}.Retry`);
    retriers.forEach((value, index) => {
      const at = `${where}.Retry[${index}]`;
      const retrier = requireObject(value, at);
      checkFields(retrier, RETRIER_FIELDS, at);
      checkErrorEquals(retrier.ErrorEquals, at, index === retriers.length - 1);
      optionalNumber(retrier, 'IntervalSeconds', at, (n) => Number.isInteger(n) && n >= 1);
      optionalNumber(retrier, 'MaxAttempts', at, (n) => Number.isInteger(n) && n >= 0);
      optionalNumber(retrier, 'BackoffRate', at, (n) => n >= 1);
      optionalNumber(retrier, 'MaxDelaySeconds', at, (n) => Number.isInteger(n) && n >= 1);
      if (retrier.JitterStrategy !== undefined && retrier.JitterStrategy !== 'FULL' && retrier.JitterStrategy !== 'NONE') {
        throw unsupported(`JitterStrategy ${JSON.stringify(retrier.JitterStrategy)}`, at);
      }
    });
  }
  if (state.Catch !== undefined) {
    const catchers = requireArray(state.Catch, `${where}.Catch`);
    catchers.forEach((value, index) => {
      const at = `${where}.Catch[${index}]`;
      const catcher = requireObject(value, at);
      checkFields(catcher, CATCHER_FIELDS, at);
      checkErrorEquals(catcher.ErrorEquals, at, index === catchers.length - 1);
      checkTarget(catcher.Next, `${at}.Next`, siblings);
      if ('ResultPath' in catcher) checkPath(catcher.ResultPath, `${at}.ResultPath`, { nullable: true });
    });
  }
}

function checkErrorEquals(value: unknown, where: string, isLast: boolean): void {
  const names = requireArray(value, `${where}.ErrorEquals`);
  if (names.length === 0 || !names.every((name) => typeof name === 'string')) throw invalid('ErrorEquals needs error names', where);
  // AWS: States.ALL must appear alone, in the last retrier or catcher.
  if (names.includes('States.ALL') && (names.length > 1 || !isLast)) throw invalid('States.ALL must be alone and last', where);
}

function checkTask(state: JsonObject, where: string): void {
  const resource = state.Resource;
  if (typeof resource !== 'string') throw invalid('a Task needs a Resource', where);
  optionalNumber(state, 'TimeoutSeconds', where, (n) => Number.isInteger(n) && n >= 1);
  if (LAMBDA_FUNCTION_ARN.test(resource)) return;
  if (!LAMBDA_INVOKE_RESOURCE.test(resource)) {
    throw unsupported(`Task resource '${resource}' (only arn:<partition>:states:::lambda:invoke and Lambda function ARNs)`, where);
  }
  const parameters = requireObject(state.Parameters, `${where}.Parameters`);
  for (const key of Object.keys(parameters)) {
    if (!LAMBDA_INVOKE_PARAMETERS.includes(key.replace(/\.\$$/, ''))) throw unsupported(`lambda:invoke parameter '${key}'`, `${where}.Parameters`);
  }
  if (!('FunctionName' in parameters) && !('FunctionName.$' in parameters)) throw invalid('lambda:invoke needs a FunctionName', where);
}

function checkChoice(state: JsonObject, where: string, siblings: ReadonlySet<string>): void {
  const choices = requireArray(state.Choices, `${where}.Choices`);
  if (choices.length === 0) throw invalid('a Choice state needs at least one rule', where);
  choices.forEach((rule, index) => {
    const at = `${where}.Choices[${index}]`;
    checkChoiceRule(rule, at, true);
    checkTarget((rule as JsonObject).Next, `${at}.Next`, siblings);
  });
  if (state.Default !== undefined) checkTarget(state.Default, `${where}.Default`, siblings);
}

function checkChoiceRule(value: unknown, where: string, topLevel: boolean): void {
  const rule = requireObject(value, where);
  const allowedExtras = topLevel ? ['Comment', 'Next'] : ['Comment'];
  for (const combinator of ['And', 'Or'] as const) {
    if (rule[combinator] === undefined) continue;
    checkFields(rule, [combinator, ...allowedExtras], where);
    const rules = requireArray(rule[combinator], `${where}.${combinator}`);
    if (rules.length === 0) throw invalid(`${combinator} needs rules`, where);
    rules.forEach((inner, index) => checkChoiceRule(inner, `${where}.${combinator}[${index}]`, false));
    return;
  }
  if (rule.Not !== undefined) {
    checkFields(rule, ['Not', ...allowedExtras], where);
    checkChoiceRule(rule.Not, `${where}.Not`, false);
    return;
  }
  checkPath(rule.Variable, `${where}.Variable`);
  const operators = Object.keys(rule).filter((key) => key !== 'Variable' && !allowedExtras.includes(key));
  const [operator] = operators;
  if (operator === undefined || operators.length > 1) throw invalid('a choice rule needs exactly one comparison', where);
  checkComparison(operator, rule[operator], `${where}.${operator}`);
}

function checkComparison(operator: string, expected: unknown, where: string): void {
  const pathOf = comparedThroughPath(operator);
  if (pathOf !== undefined) return checkPath(expected, where);
  const expectedType = COMPARISON_VALUE_TYPES[operator];
  if (expectedType === undefined) throw unsupported(`choice comparison '${operator}'`, where);
  if (typeof expected !== expectedType) throw invalid(`${operator} compares with a ${expectedType}`, where);
}

function checkWait(state: JsonObject, where: string): void {
  const given = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].filter((field) => state[field] !== undefined);
  if (given.length !== 1) throw invalid('a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath', where);
  optionalNumber(state, 'Seconds', where, (n) => Number.isInteger(n) && n >= 0);
  if (state.Timestamp !== undefined && !(typeof state.Timestamp === 'string' && RFC3339.test(state.Timestamp))) {
    throw invalid('Timestamp must be an RFC 3339 time', where);
  }
  for (const field of ['SecondsPath', 'TimestampPath']) if (state[field] !== undefined) checkPath(state[field], `${where}.${field}`);
}

function checkFail(state: JsonObject, where: string): void {
  for (const field of ['Error', 'Cause']) {
    if (state[field] !== undefined && typeof state[field] !== 'string') throw invalid(`${field} must be a string`, where);
  }
}

function checkMap(state: JsonObject, where: string): void {
  if ((state.ItemProcessor === undefined) === (state.Iterator === undefined)) throw invalid('a Map needs ItemProcessor (or the legacy Iterator)', where);
  if (state.ItemSelector !== undefined && state.Parameters !== undefined) throw invalid('ItemSelector and Parameters are the same field', where);
  const processorField = state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
  const processorAt = `${where}.${processorField}`;
  checkMachine(state[processorField], processorAt, PROCESSOR_FIELDS);
  const distributed = checkProcessorConfig((state[processorField] as JsonObject).ProcessorConfig, `${processorAt}.ProcessorConfig`);

  if (state.ItemsPath !== undefined) checkPath(state.ItemsPath, `${where}.ItemsPath`);
  if (state.MaxConcurrency !== undefined && state.MaxConcurrencyPath !== undefined) throw invalid('MaxConcurrency and MaxConcurrencyPath exclude each other', where);
  optionalNumber(state, 'MaxConcurrency', where, (n) => Number.isInteger(n) && n >= 0);
  if (state.MaxConcurrencyPath !== undefined) checkPath(state.MaxConcurrencyPath, `${where}.MaxConcurrencyPath`);
  for (const field of ['ToleratedFailurePercentage', 'ToleratedFailureCount', 'Label']) {
    if (state[field] !== undefined && !distributed) throw invalid(`${field} is for DISTRIBUTED Maps only`, where);
  }
  optionalNumber(state, 'ToleratedFailurePercentage', where, (n) => n >= 0 && n <= 100);
  optionalNumber(state, 'ToleratedFailureCount', where, (n) => Number.isInteger(n) && n >= 0);
  if (state.Label !== undefined && typeof state.Label !== 'string') throw invalid('Label must be a string', where);
}

/** Checks a Map's ProcessorConfig; true when the Map is DISTRIBUTED. */
function checkProcessorConfig(value: unknown, where: string): boolean {
  if (value === undefined) return false;
  const config = requireObject(value, where);
  checkFields(config, ['Mode', 'ExecutionType'], where);
  if (config.Mode !== undefined && config.Mode !== 'INLINE' && config.Mode !== 'DISTRIBUTED') throw unsupported(`Map mode ${JSON.stringify(config.Mode)}`, where);
  if (config.ExecutionType !== undefined && config.ExecutionType !== 'STANDARD' && config.ExecutionType !== 'EXPRESS') {
    throw unsupported(`ExecutionType ${JSON.stringify(config.ExecutionType)}`, where);
  }
  return config.Mode === 'DISTRIBUTED';
}

function checkParallel(state: JsonObject, where: string): void {
  const branches = requireArray(state.Branches, `${where}.Branches`);
  if (branches.length === 0) throw invalid('a Parallel state needs branches', where);
  branches.forEach((branch, index) => checkMachine(branch, `${where}.Branches[${index}]`, BRANCH_FIELDS));
}

function requireObject(value: unknown, where: string): JsonObject {
  if (!isJsonObject(value)) throw invalid('expected an object', where);
  return value;
}

function requireArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw invalid('expected an array', where);
  return value;
}

function optionalNumber(node: JsonObject, field: string, where: string, valid: (n: number) => boolean): void {
  const value = node[field];
  if (value !== undefined && !(typeof value === 'number' && valid(value))) throw invalid(`${field} is out of range: ${JSON.stringify(value)}`, where);
}

// ------------------------------------------------------------------------------------------------
// Execution: one run of a state machine, or of one distributed Map child.

const MAX_TRANSITIONS = 100_000;
const DEFAULT_EXECUTION_ARN_PREFIX = 'arn:aws:states:us-east-1:000000000000:execution:sandbox:';

interface Runtime {
  invokeLambda: AslRunOptions['invokeLambda'];
  now(): Date;
  emit(event: AslEvent): void;
  /** Real milliseconds for a Wait or Retry interval of `seconds`. */
  waitMs(seconds: number): number;
  /** Real milliseconds for a Task's TimeoutSeconds, or undefined when timeouts are off. */
  timeoutMs(seconds: number): number | undefined;
}

interface Execution {
  readonly id: string;
  readonly name: string;
  readonly input: unknown;
  readonly startTime: string;
  readonly stateMachineId: string;
  readonly stateMachineName: string;
  /** States entered so far (retries included), for the runaway-loop guard. */
  transitions: number;
}

/** Where a state runs: its execution, the signal that stops it, and its Map/Parallel nesting depth. */
interface Scope {
  readonly runtime: Runtime;
  readonly execution: Execution;
  readonly signal: AbortSignal;
  readonly depth: number;
}

interface StateOutcome {
  output: unknown;
  /** The next state; undefined when this (sub-)machine ends here. */
  next?: string;
}

/** Thrown inside a Map iteration or Parallel branch that was stopped because a sibling failed. */
class ExecutionStopped extends Error {
  constructor() {
    super('stopped because another iteration or branch failed');
    this.name = 'ExecutionStopped';
  }
}

function resolveRuntime(options: AslRunOptions): Runtime {
  const waitScaleMs = options.waitScaleMs ?? 0;
  return {
    invokeLambda: options.invokeLambda,
    now: options.now ?? (() => new Date()),
    emit: options.onEvent ?? (() => undefined),
    waitMs: (seconds) => seconds * waitScaleMs,
    // TimeoutSeconds is real time unless waitScaleMs rescales it; a scale of 0 turns timeouts off.
    timeoutMs: (seconds) => (options.waitScaleMs === 0 ? undefined : seconds * (options.waitScaleMs ?? 1000)),
  };
}

/** arn:<partition>:states:<region>:<account>:execution:<machine>:<name> */
function newExecution(executionArn: string, input: unknown, startedAt: Date): Execution {
  const parts = executionArn.split(':');
  const machineName = parts[6] ?? 'sandbox';
  return {
    id: executionArn,
    name: parts.slice(7).join(':') || executionArn,
    input,
    startTime: startedAt.toISOString(),
    stateMachineId: parts.length >= 8 ? [...parts.slice(0, 5), 'stateMachine', machineName].join(':') : executionArn,
    stateMachineName: machineName,
    transitions: 0,
  };
}

/**
 * A distributed Map child: its own execution, with its own id, input, start time and transition
 * count. AWS names children `<machine>/<map label>:<id>`; the ARN here follows that pattern.
 */
function childExecution(parent: Execution, mapLabel: string, input: unknown, startedAt: Date): Execution {
  const prefix = parent.id.split(':').slice(0, 5).join(':');
  const machineName = `${parent.stateMachineName}/${mapLabel}`;
  const name = randomUUID();
  return {
    id: `${prefix}:execution:${machineName}:${name}`,
    name,
    input,
    startTime: startedAt.toISOString(),
    stateMachineId: `${prefix}:stateMachine:${machineName}`,
    stateMachineName: machineName,
    transitions: 0,
  };
}

/** Counts a state transition, and stops the run if its Map/Parallel was stopped or it loops away. */
function enterState(scope: Scope): void {
  if (scope.signal.aborted) throw new ExecutionStopped();
  scope.execution.transitions += 1;
  if (scope.execution.transitions > MAX_TRANSITIONS) {
    throw new StatesError('States.Runtime', `The execution exceeded ${MAX_TRANSITIONS} state transitions (a runaway loop?)`);
  }
}

async function runMachine(machine: MachineDefinition, input: unknown, scope: Scope): Promise<unknown> {
  let stateName = machine.StartAt;
  let data = input;
  for (;;) {
    enterState(scope);
    const state = machine.States[stateName];
    if (!state) throw new StatesError('States.Runtime', `No state named '${stateName}'`);
    const { output, next } = await runState(stateName, state, data, scope);
    if (next === undefined) return output;
    stateName = next;
    data = output;
  }
}

async function runState(name: string, state: StateDefinition, rawInput: unknown, scope: Scope): Promise<StateOutcome> {
  const enteredTime = scope.runtime.now().toISOString();
  const contextFor = (retryCount: number) => contextObject(scope.execution, name, enteredTime, retryCount);
  switch (state.Type) {
    case 'Pass':
      return runPass(state, rawInput, contextFor(0));
    case 'Choice':
      return runChoice(state, rawInput);
    case 'Wait':
      return runWait(state, rawInput, scope);
    case 'Succeed':
      return { output: applyOutputPath(applyInputPath(rawInput, state.InputPath), state.OutputPath) };
    case 'Fail':
      // AWS: a Fail state without Error reports no error name; an empty one stands in for it.
      throw new StatesError(state.Error ?? '', state.Cause);
    case 'Task':
      return runRecoverable(state, rawInput, contextFor, scope, (input, context) => runTask(name, state, input, context, scope));
    case 'Map':
      return runRecoverable(state, rawInput, contextFor, scope, (input, context) => runMap(name, state, input, context, scope));
    case 'Parallel':
      return runRecoverable(state, rawInput, contextFor, scope, (input, context) => runParallel(state, input, context, scope));
  }
}

function contextObject(execution: Execution, stateName: string, enteredTime: string, retryCount: number): JsonObject {
  return {
    Execution: { Id: execution.id, Name: execution.name, Input: execution.input, StartTime: execution.startTime },
    State: { Name: stateName, EnteredTime: enteredTime, RetryCount: retryCount },
    StateMachine: { Id: execution.stateMachineId, Name: execution.stateMachineName },
  };
}

// ------------------------------------------------------------------------------------------------
// Pass, Choice, Wait

function runPass(state: PassState, rawInput: unknown, context: JsonObject): StateOutcome {
  const effectiveInput = applyTemplate(state.Parameters, applyInputPath(rawInput, state.InputPath), context);
  const result = state.Result !== undefined ? state.Result : effectiveInput;
  return { output: applyOutputPath(applyResultPath(rawInput, result, state.ResultPath), state.OutputPath), next: state.Next };
}

function runChoice(state: ChoiceState, rawInput: unknown): StateOutcome {
  const input = applyInputPath(rawInput, state.InputPath);
  const next = state.Choices.find((rule) => ruleMatches(rule, input))?.Next ?? state.Default;
  if (next === undefined) throw new StatesError('States.NoChoiceMatched', 'No Choice rule matched the input and the Choice state has no Default');
  return { output: applyOutputPath(input, state.OutputPath), next };
}

async function runWait(state: WaitState, rawInput: unknown, scope: Scope): Promise<StateOutcome> {
  const input = applyInputPath(rawInput, state.InputPath);
  await sleep(scope.runtime.waitMs(waitSeconds(state, input, scope.runtime.now())), scope.signal);
  return { output: applyOutputPath(input, state.OutputPath), next: state.Next };
}

function waitSeconds(state: WaitState, input: unknown, now: Date): number {
  if (state.Seconds !== undefined) return state.Seconds;
  if (state.SecondsPath !== undefined) {
    const seconds = readPath(input, state.SecondsPath, 'SecondsPath');
    if (!isNonNegativeInteger(seconds)) throw new StatesError('States.Runtime', `SecondsPath '${state.SecondsPath}' must point to a non-negative integer`);
    return seconds;
  }
  const timestamp = state.Timestamp ?? readPath(input, state.TimestampPath ?? '$', 'TimestampPath');
  if (typeof timestamp !== 'string' || !RFC3339.test(timestamp)) {
    throw new StatesError('States.Runtime', `TimestampPath '${state.TimestampPath}' must point to an RFC 3339 timestamp`);
  }
  // AWS: a timestamp in the past does not wait at all.
  return Math.max(0, (Date.parse(timestamp) - now.getTime()) / 1000);
}

// ------------------------------------------------------------------------------------------------
// Choice rules

type ValueTest = (value: unknown, expected: unknown) => boolean;

const numeric =
  (test: (value: number, expected: number) => boolean): ValueTest =>
  (value, expected) =>
    typeof value === 'number' && typeof expected === 'number' && test(value, expected);

/** Comparisons of the Variable's value with an expected value. A value of another type never matches. */
const VALUE_TESTS: Record<string, ValueTest> = {
  StringEquals: (value, expected) => typeof value === 'string' && value === expected,
  StringMatches: (value, expected) => typeof value === 'string' && typeof expected === 'string' && wildcardMatches(value, expected),
  NumericEquals: numeric((value, expected) => value === expected),
  NumericGreaterThan: numeric((value, expected) => value > expected),
  NumericGreaterThanEquals: numeric((value, expected) => value >= expected),
  NumericLessThan: numeric((value, expected) => value < expected),
  NumericLessThanEquals: numeric((value, expected) => value <= expected),
  BooleanEquals: (value, expected) => typeof value === 'boolean' && value === expected,
};

/** Type tests: `"IsString": true` matches a string, `"IsString": false` anything else. */
const TYPE_TESTS: Record<string, (value: unknown) => boolean> = {
  IsNull: (value) => value === null,
  IsString: (value) => typeof value === 'string',
  IsNumeric: (value) => typeof value === 'number',
  IsBoolean: (value) => typeof value === 'boolean',
};

/** The type of the expected value for each plain comparison (IsPresent and the type tests take booleans). */
const COMPARISON_VALUE_TYPES: Record<string, 'string' | 'number' | 'boolean'> = {
  StringEquals: 'string',
  StringMatches: 'string',
  NumericEquals: 'number',
  NumericGreaterThan: 'number',
  NumericGreaterThanEquals: 'number',
  NumericLessThan: 'number',
  NumericLessThanEquals: 'number',
  BooleanEquals: 'boolean',
  IsPresent: 'boolean',
  IsNull: 'boolean',
  IsString: 'boolean',
  IsNumeric: 'boolean',
  IsBoolean: 'boolean',
};

/** For `XxxPath` comparisons (StringEqualsPath, NumericLessThanPath, ...), the plain comparison they use. */
function comparedThroughPath(operator: string): string | undefined {
  const base = operator.replace(/Path$/, '');
  return base !== operator && base !== 'StringMatches' && VALUE_TESTS[base] ? base : undefined;
}

function ruleMatches(rule: ChoiceRule, input: unknown): boolean {
  if (rule.And) return rule.And.every((inner) => ruleMatches(inner, input));
  if (rule.Or) return rule.Or.some((inner) => ruleMatches(inner, input));
  if (rule.Not) return !ruleMatches(rule.Not, input);

  const fields = rule as JsonObject;
  const variable = rule.Variable ?? '$';
  const found = lookup(input, referencePath(variable));
  if ('IsPresent' in fields) return found.found === fields.IsPresent;
  // AWS: comparing a Variable that is not in the input fails the execution with States.Runtime.
  if (!found.found) throw new StatesError('States.Runtime', `Invalid path '${variable}': the choice rule's Variable is not in the input`);

  const operator = Object.keys(fields).find((key) => key !== 'Variable' && key !== 'Next' && key !== 'Comment') ?? '';
  const typeTest = TYPE_TESTS[operator];
  if (typeTest) return typeTest(found.value) === fields[operator];
  const throughPath = comparedThroughPath(operator);
  const valueTest = VALUE_TESTS[throughPath ?? operator];
  if (!valueTest) throw new StatesError('States.Runtime', `Unknown choice comparison '${operator}'`);
  const expected = throughPath ? readPath(input, fields[operator] as string, operator) : fields[operator];
  return valueTest(found.value, expected);
}

/** StringMatches: `*` matches any run of characters; `\*` and `\\` stand for a literal `*` and `\`. */
function wildcardMatches(value: string, pattern: string): boolean {
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '\\' && i + 1 < pattern.length) regex += escapeRegExp(pattern[++i] ?? '');
    else regex += char === '*' ? '.*' : escapeRegExp(char);
  }
  return new RegExp(`^${regex}$`, 's').test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ------------------------------------------------------------------------------------------------
// Task, Map and Parallel: result processing, Retry and Catch

type StateWork = (effectiveInput: unknown, context: JsonObject) => Promise<unknown>;

/**
 * Input and output processing in the documented order - InputPath, (the state's work, which applies
 * Parameters or ItemSelector), ResultSelector, ResultPath, OutputPath - with Retry around it and
 * Catch after the retries are spent.
 */
async function runRecoverable(
  state: RecoverableState,
  rawInput: unknown,
  contextFor: (retryCount: number) => JsonObject,
  scope: Scope,
  work: StateWork,
): Promise<StateOutcome> {
  try {
    const output = await withRetries(state.Retry ?? [], scope, async (retryCount) => {
      const context = contextFor(retryCount);
      const result = await work(applyInputPath(rawInput, state.InputPath), context);
      const selected = applyTemplate(state.ResultSelector, result, context);
      return applyOutputPath(applyResultPath(rawInput, selected, state.ResultPath), state.OutputPath);
    });
    return { output, next: state.Next };
  } catch (error) {
    const failure = handleableFailure(error);
    const catcher = state.Catch?.find((candidate) => errorMatches(candidate.ErrorEquals, failure.error));
    if (!catcher) throw failure;
    // AWS: a catcher's ResultPath (default $) places the error output in the raw input; no OutputPath.
    const errorOutput = failure.cause === undefined ? { Error: failure.error } : { Error: failure.error, Cause: failure.cause };
    return { output: applyResultPath(rawInput, errorOutput, catcher.ResultPath), next: catcher.Next };
  }
}

async function withRetries<T>(retriers: readonly Retrier[], scope: Scope, attempt: (retryCount: number) => Promise<T>): Promise<T> {
  const retriesUsed = retriers.map(() => 0);
  for (let retryCount = 0; ; retryCount++) {
    try {
      return await attempt(retryCount);
    } catch (error) {
      const failure = handleableFailure(error);
      // AWS: only the first retrier whose ErrorEquals matches applies; once its MaxAttempts are
      // spent the error goes on to Catch, even if a later retrier would also match.
      const index = retriers.findIndex((retrier) => errorMatches(retrier.ErrorEquals, failure.error));
      const retrier = retriers[index];
      const used = retriesUsed[index] ?? 0;
      if (!retrier || used >= (retrier.MaxAttempts ?? 3)) throw failure;
      await sleep(scope.runtime.waitMs(retryDelaySeconds(retrier, used)), scope.signal);
      retriesUsed[index] = used + 1;
      // AWS: a retry counts as a state transition.
      enterState(scope);
    }
  }
}

/** IntervalSeconds x BackoffRate^retries, capped at MaxDelaySeconds; FULL jitter picks a random delay up to that. */
function retryDelaySeconds(retrier: Retrier, retriesSoFar: number): number {
  const backoff = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** retriesSoFar;
  const capped = Math.min(backoff, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
  return retrier.JitterStrategy === 'FULL' ? Math.random() * capped : capped;
}

function errorMatches(errorEquals: readonly string[], error: string): boolean {
  // AWS: States.Runtime is never retried or caught, not even by States.ALL.
  if (error === 'States.Runtime') return false;
  return errorEquals.some(
    (name) =>
      name === error ||
      name === 'States.ALL' ||
      // AWS: in Retry and Catch, States.TaskFailed matches any error except States.Timeout.
      (name === 'States.TaskFailed' && error !== 'States.Timeout'),
  );
}

/** The StatesError Retry and Catch look at; a stopped iteration is not an error to handle. */
function handleableFailure(error: unknown): StatesError {
  if (error instanceof ExecutionStopped) throw error;
  return asStatesError(error);
}

function asStatesError(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  if (error instanceof ExecutionStopped) return new StatesError('States.Runtime', error.message);
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StatesError('States.Runtime', `sandbox ASL interpreter error: ${message}`);
}

// ------------------------------------------------------------------------------------------------
// Task: Lambda invocations

interface LambdaCall {
  functionName: string;
  payload: unknown;
  /** Shapes the function's result into the Task's result. */
  result(functionResult: unknown): unknown;
}

async function runTask(stateName: string, state: TaskState, input: unknown, context: JsonObject, scope: Scope): Promise<unknown> {
  const call = lambdaCall(state.Resource, applyTemplate(state.Parameters, input, context));
  const event = { state: stateName, resource: state.Resource, depth: scope.depth };
  const timeoutMs = state.TimeoutSeconds === undefined ? undefined : scope.runtime.timeoutMs(state.TimeoutSeconds);
  scope.runtime.emit({ type: 'TaskStarted', ...event });
  let functionResult: unknown;
  try {
    const invocation = (async () => scope.runtime.invokeLambda(call.functionName, toJson(call.payload)))();
    functionResult = toJson(await withTimeout(invocation, timeoutMs, state.TimeoutSeconds));
  } catch (error) {
    const failure = taskFailure(error);
    scope.runtime.emit({ type: 'TaskFailed', ...event, error: failure.error, cause: failure.cause });
    throw failure;
  }
  scope.runtime.emit({ type: 'TaskSucceeded', ...event });
  return call.result(functionResult);
}

function lambdaCall(resource: string, effectiveInput: unknown): LambdaCall {
  if (!LAMBDA_INVOKE_RESOURCE.test(resource)) {
    // The plain function-ARN form: the effective input is the event, the function's result the Task's result.
    return { functionName: resource, payload: effectiveInput, result: (functionResult) => functionResult };
  }
  const parameters = isJsonObject(effectiveInput) ? effectiveInput : {};
  if (typeof parameters.FunctionName !== 'string') throw new StatesError('States.Runtime', 'lambda:invoke FunctionName must be a string');
  return {
    functionName: parameters.FunctionName,
    // Without a Payload the function gets {}, as the Invoke API does with an empty payload (assumed, not confirmed on AWS).
    payload: parameters.Payload ?? {},
    // AWS: the optimized integration returns the Invoke response, the function's result in Payload
    // (real responses also carry SdkHttpMetadata and SdkResponseMetadata, left out here).
    result: (functionResult) => ({ ExecutedVersion: '$LATEST', Payload: functionResult, StatusCode: 200 }),
  };
}

/**
 * AWS: a function error fails the Task with the Lambda errorType as the error name and the error
 * payload, as JSON text, as the cause (real payloads also carry the stack trace).
 */
function taskFailure(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  const e = error instanceof Error ? error : new Error(String(error));
  return new StatesError(e.name, JSON.stringify({ errorMessage: e.message, errorType: e.name }));
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number | undefined, seconds: number | undefined): Promise<T> {
  if (timeoutMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StatesError('States.Timeout', `The Task did not finish within TimeoutSeconds (${seconds})`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ------------------------------------------------------------------------------------------------
// Map and Parallel

/** What a Map does with a failed iteration: stop with an error, or record an output and go on. */
type FailureVerdict = { stopWith: StatesError } | { output: unknown };

interface IterationRun {
  stateName: string;
  inputs: readonly unknown[];
  /** 0 = no limit. */
  maxConcurrency: number;
  scope: Scope;
  runIteration(input: unknown, signal: AbortSignal): Promise<unknown>;
  onFailure(failure: StatesError): FailureVerdict;
}

async function runMap(stateName: string, state: MapState, input: unknown, context: JsonObject, scope: Scope): Promise<unknown[]> {
  // AWS: ItemsPath and ItemSelector both work on the Map's effective input (after InputPath).
  const items = readPath(input, state.ItemsPath ?? '$', 'ItemsPath');
  if (!Array.isArray(items)) throw new StatesError('States.Runtime', `ItemsPath '${state.ItemsPath ?? '$'}' must point to an array`);
  const selector = state.ItemSelector ?? state.Parameters;
  const inputs = items.map((value: unknown, index) =>
    // Without an ItemSelector each iteration gets its item. AWS: $$.Map.Item.Index and
    // $$.Map.Item.Value exist only while ItemSelector is evaluated.
    selector === undefined ? value : evaluateTemplate(selector, input, { ...context, Map: { Item: { Index: index, Value: value } } }),
  );
  const processor = state.ItemProcessor ?? state.Iterator;
  if (!processor) throw new StatesError('States.Runtime', `Map state '${stateName}' has no ItemProcessor`);
  const childScope = (signal: AbortSignal, execution = scope.execution): Scope => ({ ...scope, execution, signal, depth: scope.depth + 1 });
  const common = { stateName, inputs, maxConcurrency: maxConcurrencyOf(state, input), scope };

  if (processor.ProcessorConfig?.Mode !== 'DISTRIBUTED') {
    // INLINE: iterations are part of this execution; the first failure fails the Map with its error.
    return runIterations({
      ...common,
      runIteration: (itemInput, signal) => runMachine(processor, itemInput, childScope(signal)),
      onFailure: (failure) => ({ stopWith: failure }),
    });
  }

  // DISTRIBUTED: each item runs as a child execution; failures count against the tolerated threshold.
  const label = state.Label ?? stateName;
  let failed = 0;
  return runIterations({
    ...common,
    runIteration: (itemInput, signal) =>
      runMachine(processor, itemInput, childScope(signal, childExecution(scope.execution, label, itemInput, scope.runtime.now()))),
    onFailure: (failure) => {
      failed += 1;
      if (toleranceExceeded(state, failed, inputs.length)) {
        return {
          stopWith: new StatesError(
            'States.ExceedToleratedFailureThreshold',
            `The specified tolerated failure threshold was exceeded (${failed} of ${inputs.length} items failed)`,
          ),
        };
      }
      // Within tolerance the failed child's slot in the result array holds its error as
      // { Error, Cause } - the same shape as a Catch's error output. What AWS itself puts there
      // without a ResultWriter is not confirmed (with one, failed children go to FAILED_n.json
      // with their Error and Cause); emulators differ (null, or the item left out).
      return { output: failure.cause === undefined ? { Error: failure.error } : { Error: failure.error, Cause: failure.cause } };
    },
  });
}

/**
 * AWS: the tolerated failure threshold defaults to 0 (any failed child fails the Map Run); with
 * both set, exceeding either fails it. The percentage is failed items over all items.
 */
function toleranceExceeded(state: MapState, failed: number, total: number): boolean {
  const count = state.ToleratedFailureCount;
  const percentage = state.ToleratedFailurePercentage;
  if (count === undefined && percentage === undefined) return failed > 0;
  return (count !== undefined && failed > count) || (percentage !== undefined && failed * 100 > percentage * total);
}

function maxConcurrencyOf(state: MapState, input: unknown): number {
  if (state.MaxConcurrencyPath === undefined) return state.MaxConcurrency ?? 0;
  const value = readPath(input, state.MaxConcurrencyPath, 'MaxConcurrencyPath');
  if (!isNonNegativeInteger(value)) throw new StatesError('States.Runtime', `MaxConcurrencyPath '${state.MaxConcurrencyPath}' must point to a non-negative integer`);
  return value;
}

/**
 * Runs a Map's iterations, at most maxConcurrency at once, and returns their outputs in item
 * order. When an iteration's failure stops the Map, no further iteration starts, running ones stop
 * at their next state, and the Map fails once they have all settled.
 */
async function runIterations(run: IterationRun): Promise<unknown[]> {
  const { scope } = run;
  const stop = new AbortController();
  const signal = AbortSignal.any([scope.signal, stop.signal]);
  const limit = pLimit(run.maxConcurrency === 0 ? Number.POSITIVE_INFINITY : run.maxConcurrency);
  const outputs: unknown[] = run.inputs.map(() => null);
  let stoppedWith: StatesError | undefined;

  const iterate = async (input: unknown, index: number): Promise<void> => {
    if (signal.aborted) return;
    const event = { state: run.stateName, index, depth: scope.depth };
    scope.runtime.emit({ type: 'MapIterationStarted', ...event });
    try {
      outputs[index] = await run.runIteration(input, signal);
      scope.runtime.emit({ type: 'MapIterationSucceeded', ...event });
    } catch (error) {
      if (error instanceof ExecutionStopped) {
        scope.runtime.emit({ type: 'MapIterationAborted', ...event });
        return;
      }
      const failure = asStatesError(error);
      scope.runtime.emit({ type: 'MapIterationFailed', ...event, error: failure.error, cause: failure.cause });
      const verdict = run.onFailure(failure);
      if ('output' in verdict) {
        outputs[index] = verdict.output;
        return;
      }
      stoppedWith ??= verdict.stopWith;
      stop.abort();
    }
  };

  await limit.map(run.inputs, iterate);
  if (stoppedWith) throw stoppedWith;
  if (scope.signal.aborted) throw new ExecutionStopped();
  return outputs;
}

/** AWS: branches run at once on the same input; the first branch to fail fails the Parallel with its error. */
async function runParallel(state: ParallelState, input: unknown, context: JsonObject, scope: Scope): Promise<unknown[]> {
  const effectiveInput = applyTemplate(state.Parameters, input, context);
  const stop = new AbortController();
  const signal = AbortSignal.any([scope.signal, stop.signal]);
  let firstFailure: StatesError | undefined;
  const outputs = await Promise.all(
    state.Branches.map(async (branch) => {
      try {
        return await runMachine(branch, effectiveInput, { ...scope, signal, depth: scope.depth + 1 });
      } catch (error) {
        if (!(error instanceof ExecutionStopped)) {
          firstFailure ??= asStatesError(error);
          stop.abort();
        }
        return null;
      }
    }),
  );
  if (firstFailure) throw firstFailure;
  if (scope.signal.aborted) throw new ExecutionStopped();
  return outputs;
}

// ------------------------------------------------------------------------------------------------
// Input and output processing

function applyInputPath(rawInput: unknown, path: string | null | undefined): unknown {
  // AWS: an InputPath (or OutputPath) of null gives {}.
  if (path === null) return {};
  return readPath(rawInput, path ?? '$', 'InputPath');
}

function applyOutputPath(output: unknown, path: string | null | undefined): unknown {
  if (path === null) return {};
  return readPath(output, path ?? '$', 'OutputPath');
}

function applyResultPath(rawInput: unknown, result: unknown, path: string | null | undefined): unknown {
  // AWS: ResultPath null discards the result; the state's raw input passes on unchanged.
  if (path === null) return rawInput;
  return writeAt(rawInput, referencePath(path ?? '$'), result, path ?? '$');
}

/** Parameters, ResultSelector and ItemSelector: a payload template, or the input itself when absent. */
function applyTemplate(template: unknown, input: unknown, context: JsonObject): unknown {
  return template === undefined ? input : evaluateTemplate(template, input, context);
}

function evaluateTemplate(template: unknown, input: unknown, context: JsonObject): unknown {
  if (Array.isArray(template)) return template.map((item: unknown) => evaluateTemplate(item, input, context));
  if (!isJsonObject(template)) return template;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) result[key.slice(0, -2)] = evaluateDynamicValue(value as string, input, context, key);
    else result[key] = evaluateTemplate(value, input, context);
  }
  return result;
}

function evaluateDynamicValue(expression: string, input: unknown, context: JsonObject, field: string): unknown {
  if (expression.startsWith('$$')) return readContextPath(context, expression, field);
  if (expression.startsWith('$')) return readPath(input, expression, field);
  return evaluateIntrinsic(parseIntrinsic(expression, field), input, context);
}

// ------------------------------------------------------------------------------------------------
// Reference paths: $, $.a.b, $.a[0], $['a']

type PathSegment = string | number;

const parsedPaths = new Map<string, PathSegment[] | undefined>();

const PATH_NAME = /^\.([^.[\]*?@()'",\s]+)/;
const PATH_INDEX = /^\[(\d+)\]/;
const PATH_QUOTED = /^\[(['"])(.*?)\1\]/;

/** The segments of a reference path, or undefined for anything outside the supported subset. */
function parseReferencePath(path: string): PathSegment[] | undefined {
  if (!parsedPaths.has(path)) parsedPaths.set(path, parseSegments(path));
  return parsedPaths.get(path);
}

function parseSegments(path: string): PathSegment[] | undefined {
  if (!path.startsWith('$') || path.startsWith('$$')) return undefined;
  const segments: PathSegment[] = [];
  let rest = path.slice(1);
  while (rest !== '') {
    const name = PATH_NAME.exec(rest);
    const index = name ? null : PATH_INDEX.exec(rest);
    const quoted = name || index ? null : PATH_QUOTED.exec(rest);
    const match = name ?? index ?? quoted;
    if (!match) return undefined;
    if (name) segments.push(name[1] ?? '');
    else if (index) segments.push(Number(index[1]));
    else segments.push(quoted?.[2] ?? '');
    rest = rest.slice(match[0].length);
  }
  return segments;
}

/** `$$.Execution.Id` and friends: a reference path on the context object. */
function parseContextPath(path: string): PathSegment[] | undefined {
  return path.startsWith('$$') ? parseReferencePath(path.slice(1)) : undefined;
}

/** Segments of a path the up-front check has accepted. */
function referencePath(path: string): PathSegment[] {
  const segments = parseReferencePath(path);
  if (!segments) throw new StatesError('States.Runtime', `Unsupported path '${path}'`);
  return segments;
}

type Lookup = { found: true; value: unknown } | { found: false };

function lookup(value: unknown, segments: readonly PathSegment[]): Lookup {
  let current = value;
  for (const segment of segments) {
    if (typeof segment === 'number' ? Array.isArray(current) && segment < current.length : isJsonObject(current) && Object.hasOwn(current, segment)) {
      current = (current as Record<PathSegment, unknown>)[segment];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

/** AWS: a path that selects nothing fails the execution with States.Runtime. */
function readPath(value: unknown, path: string, field: string): unknown {
  const found = lookup(value, referencePath(path));
  if (!found.found) throw new StatesError('States.Runtime', `Invalid path '${path}' in ${field}: it selects nothing in the input`);
  return found.value;
}

function readContextPath(context: JsonObject, path: string, field: string): unknown {
  const segments = parseContextPath(path);
  const found = segments ? lookup(context, segments) : { found: false as const };
  if (!found.found) throw new StatesError('States.Runtime', `Invalid path '${path}' in ${field}: it selects nothing in the context object`);
  return found.value;
}

/** Returns a copy of `container` with `value` at `segments`; the input itself is never changed. */
function writeAt(container: unknown, segments: readonly PathSegment[], value: unknown, path: string): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return value;
  const mismatch = () => new StatesError('States.ResultPathMatchFailure', `Unable to apply ResultPath '${path}' to the state's input`);
  if (typeof head === 'number') {
    if (!Array.isArray(container) || head >= container.length) throw mismatch();
    const copy: unknown[] = [...container];
    copy[head] = writeAt(copy[head], rest, value, path);
    return copy;
  }
  // AWS: objects missing along a ResultPath are created; anything else in the way is a mismatch.
  const object = container === undefined ? {} : container;
  if (!isJsonObject(object)) throw mismatch();
  return { ...object, [head]: writeAt(object[head], rest, value, path) };
}

// ------------------------------------------------------------------------------------------------
// Intrinsic functions

type IntrinsicArg =
  | { kind: 'literal'; value: unknown; raw?: string }
  | { kind: 'path'; path: string }
  | IntrinsicCall;

interface IntrinsicCall {
  kind: 'call';
  name: string;
  args: IntrinsicArg[];
}

/** The supported functions and how many arguments each takes. */
const INTRINSIC_ARITY: Record<string, { min: number; max: number }> = {
  'States.Format': { min: 1, max: Number.POSITIVE_INFINITY },
  'States.StringToJson': { min: 1, max: 1 },
  'States.JsonToString': { min: 1, max: 1 },
  'States.Array': { min: 0, max: Number.POSITIVE_INFINITY },
  'States.ArrayLength': { min: 1, max: 1 },
  'States.UUID': { min: 0, max: 0 },
  'States.MathAdd': { min: 2, max: 2 },
};

const parsedIntrinsics = new Map<string, IntrinsicCall>();

function parseIntrinsic(text: string, where: string): IntrinsicCall {
  const cached = parsedIntrinsics.get(text);
  if (cached) return cached;
  const parser = new IntrinsicParser(text, where);
  const call = parser.parseCall();
  parser.expectEnd();
  parsedIntrinsics.set(text, call);
  return call;
}

/** Parses `States.Format('Hello, {}', $.name)`-style calls, nested calls included. */
class IntrinsicParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly where: string,
  ) {}

  parseCall(): IntrinsicCall {
    this.skipSpaces();
    const name = /^States\.\w+/.exec(this.rest())?.[0];
    if (!name) throw this.syntaxError('expected an intrinsic function');
    const arity = INTRINSIC_ARITY[name];
    if (!arity) throw unsupported(`intrinsic function ${name}`, this.where);
    this.position += name.length;
    this.expectChar('(');
    const args: IntrinsicArg[] = [];
    this.skipSpaces();
    if (!this.tryChar(')')) {
      do {
        args.push(this.parseArg());
      } while (this.tryChar(','));
      this.expectChar(')');
    }
    if (args.length < arity.min || args.length > arity.max) throw invalid(`${name} cannot take ${args.length} arguments`, this.where);
    return { kind: 'call', name, args };
  }

  expectEnd(): void {
    this.skipSpaces();
    if (this.position !== this.text.length) throw this.syntaxError('unexpected text after the call');
  }

  private parseArg(): IntrinsicArg {
    this.skipSpaces();
    const rest = this.rest();
    let arg: IntrinsicArg;
    if (rest.startsWith("'")) arg = this.parseString();
    else if (rest.startsWith('$')) arg = this.parsePath();
    else if (rest.startsWith('States.')) arg = this.parseCall();
    else {
      const literal = /^(-?\d+(\.\d+)?|true|false|null)/.exec(rest)?.[0];
      if (literal === undefined) throw this.syntaxError('expected an argument');
      this.position += literal.length;
      arg = { kind: 'literal', value: JSON.parse(literal) };
    }
    this.skipSpaces();
    return arg;
  }

  /** A quoted string; `\'`, `\{`, `\}` and `\\` are escapes. `raw` keeps them for States.Format. */
  private parseString(): IntrinsicArg {
    let value = '';
    let index = this.position + 1;
    for (; index < this.text.length && this.text[index] !== "'"; index++) {
      if (this.text[index] === '\\') index++;
      value += this.text[index] ?? '';
    }
    if (index >= this.text.length) throw this.syntaxError('unterminated string');
    const raw = this.text.slice(this.position + 1, index);
    this.position = index + 1;
    return { kind: 'literal', value, raw };
  }

  /** A path argument runs to the next `,` or `)`. */
  private parsePath(): IntrinsicArg {
    const text = /^[^,)]+/.exec(this.rest())?.[0] ?? '';
    const path = text.trim();
    const valid = path.startsWith('$$') ? parseContextPath(path) : parseReferencePath(path);
    if (!valid) throw unsupported(`path '${path}' in an intrinsic function`, this.where);
    this.position += text.length;
    return { kind: 'path', path };
  }

  private rest(): string {
    return this.text.slice(this.position);
  }

  private skipSpaces(): void {
    while (this.text[this.position] === ' ') this.position++;
  }

  private tryChar(char: string): boolean {
    this.skipSpaces();
    if (this.text[this.position] !== char) return false;
    this.position++;
    return true;
  }

  private expectChar(char: string): void {
    if (!this.tryChar(char)) throw this.syntaxError(`expected '${char}'`);
  }

  private syntaxError(problem: string): Error {
    return invalid(`cannot parse intrinsic function "${this.text}": ${problem} at position ${this.position}`, this.where);
  }
}

function intrinsicFailure(message: string): StatesError {
  return new StatesError('States.IntrinsicFailure', message);
}

function evaluateIntrinsic(call: IntrinsicCall, input: unknown, context: JsonObject): unknown {
  const args = call.args.map((arg) => evaluateIntrinsicArg(arg, input, context));
  const [first, second] = args;
  switch (call.name) {
    case 'States.Format': {
      const template = call.args[0]?.kind === 'literal' ? call.args[0].raw : first;
      if (typeof template !== 'string') throw intrinsicFailure('States.Format needs a string template');
      return formatString(template, args.slice(1));
    }
    case 'States.StringToJson':
      if (typeof first !== 'string') throw intrinsicFailure('States.StringToJson needs a string');
      try {
        return JSON.parse(first) as unknown;
      } catch {
        throw intrinsicFailure(`States.StringToJson: not JSON: ${first}`);
      }
    case 'States.JsonToString':
      return JSON.stringify(first);
    case 'States.Array':
      return args;
    case 'States.ArrayLength':
      if (!Array.isArray(first)) throw intrinsicFailure('States.ArrayLength needs an array');
      return first.length;
    case 'States.UUID':
      return randomUUID();
    case 'States.MathAdd':
      if (typeof first !== 'number' || typeof second !== 'number') throw intrinsicFailure('States.MathAdd needs two numbers');
      return first + second;
    default:
      throw intrinsicFailure(`Unsupported intrinsic function ${call.name}`);
  }
}

function evaluateIntrinsicArg(arg: IntrinsicArg, input: unknown, context: JsonObject): unknown {
  switch (arg.kind) {
    case 'literal':
      return arg.value;
    case 'path':
      return arg.path.startsWith('$$') ? readContextPath(context, arg.path, 'an intrinsic function') : readPath(input, arg.path, 'an intrinsic function');
    case 'call':
      return evaluateIntrinsic(arg, input, context);
  }
}

/** `{}` takes the next argument; a backslash makes the next character literal (`\{`, `\}`, `\'`, `\\`). */
function formatString(template: string, values: readonly unknown[]): string {
  let output = '';
  let used = 0;
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    if (char === '\\') {
      output += template[++i] ?? '';
    } else if (char === '{' && template[i + 1] === '}') {
      if (used >= values.length) throw intrinsicFailure('States.Format has more {} than arguments');
      output += formatValue(values[used++]);
      i++;
    } else {
      output += char;
    }
  }
  if (used !== values.length) throw intrinsicFailure('States.Format has more arguments than {}');
  return output;
}

function formatValue(value: unknown): string {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return String(value);
  throw intrinsicFailure('States.Format arguments must be strings, numbers, booleans or null');
}

// ------------------------------------------------------------------------------------------------
// Small helpers

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** A JSON copy: what a state hands on is data, never a reference into a caller's or handler's objects. */
function toJson(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** Waits `ms` real milliseconds, or stops early when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new ExecutionStopped());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ExecutionStopped());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
