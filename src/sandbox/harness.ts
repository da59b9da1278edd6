// Starts the whole embedded sandbox in this process — Glue/KMS/STS/Lambda/Step Functions
// stand-ins, dynalite, the Slack Web API stand-in — and points the real code at it through
// the standard endpoint variables only. Used by `npm run demo`, the integration tests and
// the benchmarks.
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SubscriptionStore } from '../digests/subscriptionStore.js';
import type { AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver.js';
import { loadConfig, type AppConfig } from '../config.js';
import { buildSlackHandler } from '../handlers/slack.js';
import { handleWorkerEvent } from '../handlers/worker.js';
import { handleAdvance } from '../handlers/advance.js';
import { handleDigestStep } from '../handlers/digest.js';
import { handleScanStep } from '../handlers/scan.js';
import { runStateMachine } from './aws/asl.js';
import { functionNameOf } from './aws/lambda.js';
import { SCHEDULE_INPUT, scanStateMachineDefinition } from './scanStateMachine.js';
import { AwsSandbox, type AwsSandboxOptions } from './aws/index.js';
import { startDynamo, type DynamoSandbox } from './dynamo.js';
import { applyEnv } from './env.js';
import { seedDemo } from './fixtures.js';
import { startSlackSandbox, type SlackSandbox, type SlackSandboxOptions } from './slack.js';
import { signedEventCallback, signedInteraction, signedSlashCommand, type SignOptions } from './slackRequest.js';

export const SANDBOX_WORKER = 'glue-encrypt-sandbox-worker';
export const SANDBOX_STATE_MACHINE = 'arn:aws:states:eu-west-1:111111111111:stateMachine:glue-encrypt-sandbox-remediation';
export const SANDBOX_CHANNEL = 'C0SECURITY';
export const SANDBOX_SCAN_FUNCTION = 'glue-encrypt-sandbox-scan';
export const SANDBOX_DIGEST_FUNCTION = 'glue-encrypt-sandbox-digest';
export const SANDBOX_SCAN_STATE_MACHINE = 'arn:aws:states:eu-west-1:111111111111:stateMachine:glue-encrypt-sandbox-scan';
export { SCHEDULE_INPUT };
/** Like the state machine's retries of a failing advance (serverless.yml), without the waits. */
const ADVANCE_ATTEMPTS = 4;

export interface HarnessOptions {
  /** Seed the demo data set (default) or start empty. */
  seed?: 'demo' | 'none';
  aws?: AwsSandboxOptions;
  slack?: SlackSandboxOptions;
  /** Extra or overriding environment (e.g. GLUE_ENCRYPT_APPROVERS). */
  env?: Record<string, string>;
  /** Seconds of a workflow wait are multiplied by this to get milliseconds of real wait (default 0). */
  waitScaleMs?: number;
  /** Keep the signing secret in the SSM stand-in (SLACK_SIGNING_SECRET_PARAM), as on Lambda, instead of the environment. */
  signingSecretInSsm?: boolean;
}

/** The SSM parameter name the harness uses with `signingSecretInSsm`. */
export const SANDBOX_SIGNING_SECRET_PARAM = '/glue-encrypt/sandbox/slack-signing-secret';

export interface Harness {
  aws: AwsSandbox;
  slack: SlackSandbox;
  dynamo: DynamoSandbox;
  config: AppConfig;
  signingSecret: string;
  /** The real Lambda handler for POST /slack/events. */
  slackHandler(event: unknown): Promise<AwsResponse>;
  /** Sends a signed /glue-encrypt command as `user` in `channel`; returns the HTTP response. */
  command(text: string, options?: { user?: string; channel?: string; sign?: Partial<SignOptions> }): Promise<AwsResponse>;
  /** Sends a signed button click. */
  click(actionId: string, value: string, options: { user: string; channel?: string; messageTs?: string; teamId?: string }): Promise<AwsResponse>;
  /**
   * Submits the modal `viewId` (the latest one opened when absent) as `user`, with the inputs'
   * state as Slack sends it (`{ blockId: { actionId: { type, value | selected_date } } }`).
   */
  submitView(user: string, values: Record<string, Record<string, Record<string, unknown>>>, viewId?: string): Promise<AwsResponse>;
  /** Sends a signed app_home_opened event (Events API) as `user`; returns the HTTP response. */
  homeOpened(user: string): Promise<AwsResponse>;
  /** Makes every digest of the channel due now, as if the clock had reached its time (the sandbox cannot wait for 09:00). */
  digestsDue(channel?: string): Promise<void>;
  /** Starts the scan state machine as its EventBridge schedule does (through the Step Functions API) and waits for it. */
  scheduledScan(): Promise<void>;
  /** Waits until every asynchronous Lambda invocation and workflow started so far has finished. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  // The SDK versions are pinned by the lockfile; its notice about Node 22 is known (README).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // EMF metric lines are for CloudWatch; locally they would bury the demo's output (a test of them turns them on).
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // Likewise the functions' info lines (a digest run's summary): warnings and errors still show.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const aws = await AwsSandbox.start(options.aws);
  const slack = await startSlackSandbox({ usergroups: { S0SECLEADS: ['U0CAROL'] }, ...options.slack });
  const dynamo = await startDynamo();
  if (options.seed !== 'none') seedDemo(aws.state);
  const signingSecret = randomBytes(16).toString('hex');
  if (options.signingSecretInSsm) aws.parameters.put(aws.state.defaultAccountId, aws.state.defaultRegion, SANDBOX_SIGNING_SECRET_PARAM, signingSecret);

  const env: Record<string, string> = {
    ...aws.env(),
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLACK_API_URL: slack.apiUrl,
    SLACK_BOT_TOKEN: slack.token,
    ...(options.signingSecretInSsm ? { SLACK_SIGNING_SECRET_PARAM: SANDBOX_SIGNING_SECRET_PARAM } : { SLACK_SIGNING_SECRET: signingSecret }),
    SLACK_TEAM_ID: slack.teamId,
    SLACK_BOT_ID: slack.botId,
    SLACK_BOT_USER_ID: slack.botUserId,
    GLUE_ENCRYPT_WORKER_FUNCTION: SANDBOX_WORKER,
    GLUE_ENCRYPT_AUDIT_TABLE: dynamo.tables.audit,
    GLUE_ENCRYPT_STATE_TABLE: dynamo.tables.state,
    GLUE_ENCRYPT_REGIONS: 'eu-west-1,us-east-1',
    // As the template passes AWS::AccountId: the account the sandbox's credentials belong to.
    GLUE_ENCRYPT_HOME_ACCOUNT_ID: aws.state.defaultAccountId,
    GLUE_ENCRYPT_APPROVERS: 'U0BOB',
    GLUE_ENCRYPT_APPROVER_GROUP: 'S0SECLEADS',
    // One bucket per account and region (the demo estate has them): Glue wants labels in the transform's region.
    GLUE_ENCRYPT_LABEL_BUCKET: 'glue-encrypt-labels-{accountId}-{region}',
    GLUE_ENCRYPT_DEFAULT_KEY: 'alias/glue-ml',
    GLUE_ENCRYPT_STATE_MACHINE_ARN: SANDBOX_STATE_MACHINE,
    GLUE_ENCRYPT_POLL_SECONDS: '30',
    GLUE_ENCRYPT_SNAPSHOT_TABLE: dynamo.tables.snapshots,
    GLUE_ENCRYPT_SCAN_STATE_MACHINE_ARN: SANDBOX_SCAN_STATE_MACHINE,
    // Slack's one message a second per channel, shortened so tests and the demo do not wait it out.
    GLUE_ENCRYPT_CHANNEL_INTERVAL_MS: '50',
    ...options.env,
  };
  // The SDK reads endpoints and credentials from the environment, as it would on Lambda.
  const restoreEnv = applyEnv(env);

  const config = loadConfig();
  const scale = options.waitScaleMs ?? 0;
  aws.registerFunction(SANDBOX_WORKER, (event) => handleWorkerEvent(event, config));
  aws.registerStateMachine(SANDBOX_STATE_MACHINE, async (_arn, input) => {
    const { remediationId } = JSON.parse(input) as { remediationId: string };
    // The state machine's loop (serverless.yml): advance, wait what it asks, advance again,
    // until done; advance failing is retried (Retry), and only then called with abort (Catch).
    const advanceWithRetries = async () => {
      let lastError: unknown;
      for (let attempt = 0; attempt < ADVANCE_ATTEMPTS; attempt++) {
        try {
          return await handleAdvance({ remediationId }, config);
        } catch (err) {
          lastError = err;
        }
      }
      return handleAdvance({ remediationId, abort: true, error: (lastError as Error).name || 'Error' }, config);
    };
    for (let i = 0; i < 10_000; i++) {
      const res = await advanceWithRetries();
      if (res.done) return res;
      await new Promise((r) => setTimeout(r, res.waitSeconds * scale));
    }
    throw new Error(`Remediation ${remediationId} did not finish`);
  });
  // The scan state machine: the template's own definition, run by the sandbox's ASL interpreter,
  // whose Lambda tasks call the two functions as Step Functions would.
  const stepFunctions: Record<string, (event: unknown) => Promise<unknown>> = {
    [SANDBOX_SCAN_FUNCTION]: (event) => handleScanStep(event, config),
    [SANDBOX_DIGEST_FUNCTION]: (event) => handleDigestStep(event, config),
  };
  const lambdaArn = (name: string) => `arn:aws:lambda:${aws.state.defaultRegion}:${aws.state.defaultAccountId}:function:${name}`;
  for (const [name, fn] of Object.entries(stepFunctions)) aws.registerFunction(name, fn);
  const scanDefinition = scanStateMachineDefinition({ ScanFunctionArn: lambdaArn(SANDBOX_SCAN_FUNCTION), DigestFunctionArn: lambdaArn(SANDBOX_DIGEST_FUNCTION) });
  aws.registerStateMachine(SANDBOX_SCAN_STATE_MACHINE, (executionArn, input) =>
    runStateMachine(scanDefinition, JSON.parse(input), {
      executionArn,
      invokeLambda: async (functionName, payload) => {
        const fn = stepFunctions[functionNameOf(functionName)];
        if (!fn) throw Object.assign(new Error(`Function not found: ${functionName}`), { name: 'Lambda.ResourceNotFoundException' });
        return fn(payload);
      },
    }),
  );
  const handler = await buildSlackHandler(config);

  const sign = (extra?: Partial<SignOptions>): SignOptions => ({ signingSecret, ...extra });
  return {
    aws,
    slack,
    dynamo,
    config,
    signingSecret,
    slackHandler: (event) => handler(event as never, {}),
    command: (text, o = {}) => {
      const channel = o.channel ?? SANDBOX_CHANNEL;
      const user = o.user ?? 'U0ALICE';
      return handler(
        signedSlashCommand(
          { text, userId: user, channelId: channel, teamId: slack.teamId, responseUrl: slack.mintResponseUrl({ channel, user }) },
          sign(o.sign),
        ),
        {},
      );
    },
    click: (actionId, value, o) => {
      const channel = o.channel ?? SANDBOX_CHANNEL;
      return handler(
        signedInteraction(
          {
            type: 'block_actions',
            team: { id: o.teamId ?? slack.teamId, domain: 'sandbox' },
            user: { id: o.user, team_id: o.teamId ?? slack.teamId },
            api_app_id: 'A0GLUEENC',
            channel: { id: channel, name: 'security' },
            container: { type: 'message', channel_id: channel, message_ts: o.messageTs ?? '0' },
            message: { ts: o.messageTs ?? '0', type: 'message' },
            trigger_id: slack.mintTriggerId(),
            response_url: slack.mintResponseUrl({ channel, user: o.user, messageTs: o.messageTs }),
            actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: `${Date.now() / 1000}` }],
          },
          sign(),
        ),
        {},
      );
    },
    submitView: (user, values, viewId) => {
      const views = slack.views();
      const stored = viewId ? views.find((v) => v.id === viewId) : views[views.length - 1];
      if (!stored) throw new Error('No modal is open to submit');
      return handler(
        signedInteraction(
          {
            type: 'view_submission',
            team: { id: slack.teamId, domain: 'sandbox' },
            user: { id: user, team_id: slack.teamId },
            api_app_id: 'A0GLUEENC',
            trigger_id: slack.mintTriggerId(),
            view: { ...stored.view, id: stored.id, hash: stored.hash, team_id: slack.teamId, app_id: 'A0GLUEENC', state: { values } },
          },
          sign(),
        ),
        {},
      );
    },
    homeOpened: (user) =>
      handler(signedEventCallback({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home' }, { teamId: slack.teamId }, sign()), {}),
    digestsDue: async (channel = SANDBOX_CHANNEL) => {
      const store = new SubscriptionStore(new DynamoDBClient({}), config.tables.state!);
      for (const s of await store.forChannel(channel)) await store.update({ ...s, nextDueAt: new Date(Date.now() - 1000).toISOString() });
    },
    scheduledScan: async () => {
      const sfn = new SFNClient({});
      await sfn.send(new StartExecutionCommand({ stateMachineArn: SANDBOX_SCAN_STATE_MACHINE, input: SCHEDULE_INPUT }));
      sfn.destroy();
      await aws.idle();
    },
    settle: () => aws.idle(),
    close: async () => {
      await aws.idle().catch(() => undefined);
      await Promise.all([aws.close(), slack.close(), dynamo.close()]);
      restoreEnv();
    },
  };
}
