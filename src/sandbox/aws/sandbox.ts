// AwsSandbox: a loopback HTTP server speaking Glue, KMS, STS, IAM, S3, Lambda, Step Functions, SSM,
// Organizations and Security Hub wire protocols, so the app's real AWS SDK clients run against it
// through AWS_ENDPOINT_URL_<SERVICE>.
import type { Server } from 'node:http';
import { BackgroundWork } from './background.js';
import { CallCounter } from './counters.js';
import { Faults, type InjectedError } from './faults.js';
import { glueService } from './glue.js';
import { iamService } from './iam.js';
import { kmsService } from './kms.js';
import { LambdaFunctions, lambdaService, type InvocationRecord, type LambdaHandler } from './lambda.js';
import { Organizations, organizationsService } from './organizations.js';
import { s3Service } from './s3.js';
import { SecurityHub, securityHubService } from './securityhub.js';
import { listen } from './server.js';
import { sfnService, StateMachines, type Execution, type StateMachineDriver } from './sfn.js';
import { SandboxState } from './state.js';
import { stsService } from './sts.js';
import { Parameters, ssmService } from './ssm.js';

export interface AwsSandboxOptions {
  /** Delay before every answer, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Share of Glue/KMS/STS/IAM/S3/Organizations/Security Hub calls answered with the service's throttling error, 0..1. Default 0. */
  throttleRate?: number;
  /** Account of any caller whose credentials were not issued by the sandbox's AssumeRole. Default 111111111111. */
  defaultAccountId?: string;
  /** AWS_REGION given by env(). Default eu-west-1. */
  defaultRegion?: string;
  /** Duration of a label task run. Default 0: it completes by the next call. */
  taskRunMs?: number;
  /** How long a deleted transform reads DELETING (its name still taken). Default 0: gone at once. */
  deleteMs?: number;
  /** Seed for generated ids and throttling decisions. Default 1. */
  randomSeed?: number;
}

/** Dummy credentials; any access key that is not an issued ASIA key maps to the default account. */
export const SANDBOX_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
export const SANDBOX_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

export class AwsSandbox {
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    readonly state: SandboxState,
    private readonly faults: Faults,
    private readonly counter: CallCounter,
    private readonly functions: LambdaFunctions,
    private readonly machines: StateMachines,
    private readonly background: BackgroundWork,
    /** SSM parameters (the Slack secrets on Lambda); `putParameter` writes a new version, as a rotation does. */
    readonly parameters: Parameters,
    /** The AWS Organization (none until `organization.create()`): seed its OUs, accounts and delegated administrators. */
    readonly organization: Organizations,
    /** Security Hub per account and region (off until `securityHub.enable(accountId, region)`), and the findings it holds. */
    readonly securityHub: SecurityHub,
  ) {}

  static async start(options: AwsSandboxOptions = {}): Promise<AwsSandbox> {
    const seed = options.randomSeed ?? 1;
    const state = new SandboxState({
      defaultAccountId: options.defaultAccountId ?? '111111111111',
      defaultRegion: options.defaultRegion ?? 'eu-west-1',
      taskRunMs: options.taskRunMs ?? 0,
      deleteMs: options.deleteMs ?? 0,
      seed,
    });
    const faults = new Faults({ latencyMs: options.latencyMs ?? 0, throttleRate: options.throttleRate ?? 0, seed });
    const counter = new CallCounter();
    const functions = new LambdaFunctions();
    const machines = new StateMachines();
    const background = new BackgroundWork();
    const parameters = new Parameters();
    const organization = new Organizations(state.defaultAccountId, () => state.now(), seed);
    const securityHub = new SecurityHub(() => state.now());
    const { server, endpoint } = await listen({
      state,
      faults,
      counter,
      services: {
        glue: glueService(state),
        kms: kmsService(state),
        sts: stsService(state),
        iam: iamService(state),
        s3: s3Service(state),
        lambda: lambdaService(functions, background),
        states: sfnService(state, machines, background),
        ssm: ssmService(parameters),
        organizations: organizationsService(organization),
        securityhub: securityHubService(securityHub),
      },
    });
    return new AwsSandbox(server, endpoint, state, faults, counter, functions, machines, background, parameters, organization, securityHub);
  }

  /** Environment for SDK clients: per-service endpoint URLs, region and dummy credentials. */
  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_GLUE: this.endpoint,
      AWS_ENDPOINT_URL_KMS: this.endpoint,
      AWS_ENDPOINT_URL_STS: this.endpoint,
      AWS_ENDPOINT_URL_IAM: this.endpoint,
      AWS_ENDPOINT_URL_S3: this.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: this.endpoint,
      AWS_ENDPOINT_URL_SFN: this.endpoint,
      AWS_ENDPOINT_URL_SSM: this.endpoint,
      AWS_ENDPOINT_URL_ORGANIZATIONS: this.endpoint,
      AWS_ENDPOINT_URL_SECURITYHUB: this.endpoint,
      AWS_REGION: this.state.defaultRegion,
      AWS_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SANDBOX_SECRET_ACCESS_KEY,
    };
  }

  /** Calls per "service:Operation" (IAM prefixes: glue, kms, sts, iam, s3, lambda, states, ssm, organizations, securityhub), retries and failures included. */
  callCounts(): Record<string, number> {
    return this.counter.counts();
  }

  /** Calls per "<account>/<region>/service:Operation". */
  callCountsByScope(): Record<string, number> {
    return this.counter.countsByScope();
  }

  throttledCount(): number {
    return this.counter.throttledCount();
  }

  resetCounts(): void {
    this.counter.reset();
  }

  setLatency(ms: number): void {
    this.faults.latencyMs = ms;
  }

  setThrottleRate(rate: number): void {
    this.faults.setThrottleRate(rate);
  }

  /**
   * The next `times` calls of `operation` ("glue:CreateMLTransform", "kms:DescribeKey",
   * "sts:AssumeRole", "iam:SimulatePrincipalPolicy", "s3:ListObjectsV2", "lambda:Invoke",
   * "states:StartExecution", "organizations:ListAccounts", "securityhub:BatchImportFindings";
   * "sfn:" is accepted for "states:")
   * answer this error instead (after
   * carrying the call out, with `afterApplying`); with `skip`, only after that many calls of it
   * were answered as usual.
   */
  failNext(operation: string, error: InjectedError, times = 1, skip = 0): void {
    this.faults.failNext(operation.replace(/^sfn:/, 'states:'), error, times, skip);
  }

  registerFunction(name: string, handler: LambdaHandler): void {
    this.functions.register(name, handler);
  }

  registerStateMachine(stateMachineArn: string, driver: StateMachineDriver): void {
    this.machines.register(stateMachineArn, driver);
  }

  /** Every Lambda invocation so far, in order. */
  invocations(): readonly InvocationRecord[] {
    return this.functions.invocations;
  }

  /** Every Step Functions execution so far. */
  executions(): Execution[] {
    return [...this.machines.executions.values()];
  }

  /** Resolves once every async Lambda invocation and execution started so far (and by them) has settled. */
  async idle(): Promise<void> {
    await this.background.idle();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      // SDK clients keep connections alive; without this close() would wait for them to time out.
      this.server.closeAllConnections();
    });
  }
}
