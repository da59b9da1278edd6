// The Bolt app: listeners for /glue-encrypt and its buttons. Listeners answer Slack at
// once and hand long work to the worker; they never wait on Glue or KMS themselves.
import { Logger } from '@aws-lambda-powertools/logger';
import { App, AwsLambdaReceiver, type RespondFn } from '@slack/bolt';
import { slackLogger } from '../operations/boltLogger.js';
import type { AppConfig } from '../config.js';
import { parseCommand } from './commands.js';
import type { JobDispatcher } from './jobs.js';
import { refusalAuditor } from './refusals.js';
import { countingFetch } from './webClient.js';
import { registerRemediationListeners, remediationEnabled } from './remediationListeners.js';
import { subscriptionCommands } from './subscriptionCommands.js';
import { checkSince, defaultSince } from '../evidence/report.js';
import { ACTIONS } from './views/remediation.js';
import { SLASH_COMMAND, renderHelp, renderUsageError } from './views/help.js';
import { renderFailure, renderNotice } from './views/notice.js';
import { waiversEnabled } from '../waivers/source.js';
import { clickPathWaiverDeps, registerWaiverListeners } from './waiverListeners.js';
import { WAIVER_ACTIONS, renderWaiverList } from './views/waivers.js';

export interface SlackAppDeps {
  config: AppConfig;
  signingSecret: string;
  botToken: string;
  dispatcher: JobDispatcher;
  /** Where Bolt's and the Web API client's lines go (the function's Powertools Logger). */
  logger?: Logger;
}

function describeScope(regions: string[] | undefined, accounts: string[] | undefined, config: AppConfig): string {
  const r = regions ?? config.scope.regions;
  const a = accounts ?? ['this account', ...config.scope.accounts];
  return `${a.join(', ')} · ${r.join(', ') || 'no region configured'}`;
}

export function createSlackApp(deps: SlackAppDeps): { app: App; receiver: AwsLambdaReceiver } {
  const { config } = deps;
  // Bolt's own lines (a refused signature, a listener's error) go out as Powertools JSON too.
  const powertools = deps.logger ?? new Logger({ serviceName: 'glue-encrypt-slack' });
  const logger = slackLogger(powertools, 'bolt');
  const receiver = new AwsLambdaReceiver({ signingSecret: deps.signingSecret, logger });
  const app = new App({
    token: deps.botToken,
    receiver,
    logger,
    // Known IDs spare a cold start the auth.test round trip.
    botId: config.slack.botId,
    botUserId: config.slack.botUserId,
    tokenVerificationEnabled: false,
    clientOptions: {
      ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
      fetch: countingFetch,
      logger: slackLogger(powertools, 'slack-web-api'),
      // Slack waits 3 s for the answer, and on Lambda the answer leaves only when the listener
      // returns: a call on this path never waits out a rate limit (Retry-After can be 30 s) and
      // is bounded in time, so the clicker is told in time. Slow work is handed to the worker.
      rejectRateLimitedCalls: true,
      timeout: 1000,
      retryConfig: { retries: 1, factor: 1, minTimeout: 100, maxTimeout: 100 },
    },
  });

  const auditRefusal = refusalAuditor(config, (err) => app.logger.error('Could not audit a refusal', err));

  // Only the workspace (and grid) the bot was installed for may drive it.
  app.use(async (args) => {
    const { body, ack, next } = args;
    const b = body as {
      team_id?: string;
      team?: { id?: string };
      enterprise_id?: string;
      enterprise?: { id?: string };
      user_id?: string;
      user?: { id?: string };
      command?: string;
      channel_id?: string;
      channel?: { id?: string };
      actions?: { action_id?: string; value?: string; selected_option?: { value?: string } }[];
    };
    const teamId = b.team_id ?? b.team?.id;
    const enterpriseId = b.enterprise_id ?? b.enterprise?.id;
    const wrongTeam = config.slack.teamId !== undefined && teamId !== config.slack.teamId;
    const wrongGrid = config.slack.enterpriseId !== undefined && enterpriseId !== config.slack.enterpriseId;
    if (wrongTeam || wrongGrid) {
      const notice = renderNotice('This glue-encrypt installation serves another Slack workspace; nothing was done.');
      // A form's submission takes only a response_action: the refusal shows under its first field.
      const isSubmission = (body as { type?: string }).type === 'view_submission';
      await ack?.((isSubmission ? { response_action: 'errors', errors: { reason: notice.text } } : { response_type: 'ephemeral', ...notice }) as never);
      // Only our own action IDs become event types; anything else another workspace sends is an "interaction".
      const actionId = b.actions?.[0]?.action_id;
      const value = b.actions?.[0]?.value ?? b.actions?.[0]?.selected_option?.value;
      const known = [...Object.values(ACTIONS), ...Object.values(WAIVER_ACTIONS)] as string[];
      const why = wrongTeam
        ? `Workspace ${teamId ?? '(none)'} is not this installation's (${config.slack.teamId!})`
        : `Grid ${enterpriseId ?? '(none)'} is not this installation's (${config.slack.enterpriseId!})`;
      await auditRefusal({
        action: b.command !== undefined ? 'command' : actionId !== undefined && known.includes(actionId) ? actionId : 'interaction',
        actor: b.user_id ?? b.user?.id ?? 'unknown',
        teamId,
        channel: b.channel_id ?? b.channel?.id,
        // A button naming one of our requests files the attempt under that request's transform.
        value,
        detail: `${why}; nothing was done.`,
      });
      // Slack shows the HTTP body of a slash command, but ignores it for a button click: answer that through response_url.
      const respond = (args as { respond?: RespondFn }).respond;
      if (b.actions && respond) await respond({ response_type: 'ephemeral', replace_original: false, ...notice }).catch(() => undefined);
      return;
    }
    await next();
  });

  let answerSubscription: ReturnType<typeof subscriptionCommands> | undefined;
  const waiverDeps = clickPathWaiverDeps(config);
  app.command(SLASH_COMMAND, async ({ command, ack, client }) => {
    const parsed = parseCommand(command.text ?? '');
    switch (parsed.kind) {
      case 'subscribe':
      case 'unsubscribe':
      case 'subscriptions':
      case 'digest': {
        answerSubscription ??= subscriptionCommands(config, client);
        const { inChannel, message } = await answerSubscription(parsed, { channelId: command.channel_id, userId: command.user_id, teamId: command.team_id });
        await ack({ response_type: inChannel ? 'in_channel' : 'ephemeral', ...message });
        return;
      }
      case 'report': {
        // A bad or out-of-range day is the typist's mistake: said at once, nothing runs.
        const since = parsed.since ?? defaultSince(new Date());
        const problem = checkSince(since, new Date());
        if (problem) {
          await ack({ response_type: 'ephemeral', ...renderUsageError(problem) });
          return;
        }
        try {
          await deps.dispatcher.dispatch({ kind: 'report', since, format: parsed.format, channelId: command.channel_id, userId: command.user_id, teamId: command.team_id, responseUrl: command.response_url });
        } catch (err) {
          await ack({ response_type: 'ephemeral', ...renderFailure('I could not start the report.', `The worker could not be reached (${(err as Error).name ?? 'Error'}).`, 'Try again in a minute.') });
          return;
        }
        await ack({ response_type: 'ephemeral', ...renderNotice(`Preparing the evidence report (findings now, audit trail since ${since}, ${parsed.format.toUpperCase()})… it will be uploaded to this channel.`) });
        return;
      }
      case 'waivers': {
        if (!waiversEnabled(config)) {
          await ack({ response_type: 'ephemeral', ...renderUsageError('`waivers` needs the state and audit tables, which this installation does not have.') });
          return;
        }
        try {
          await ack({ response_type: 'ephemeral', ...renderWaiverList(await waiverDeps().store.all(), new Date(), parsed.all) });
        } catch (err) {
          await ack({ response_type: 'ephemeral', ...renderFailure('I could not read the waivers.', `The state table did not answer in time (${(err as Error).name || 'Error'}).`, 'Try again in a minute.') });
        }
        return;
      }
      case 'help':
        await ack({ response_type: 'ephemeral', ...renderHelp() });
        return;
      case 'invalid':
        await ack({ response_type: 'ephemeral', ...renderUsageError(parsed.error) });
        return;
      case 'check':
      case 'history':
      case 'status': {
        if (parsed.kind !== 'check' && !remediationEnabled(config)) {
          await ack({
            response_type: 'ephemeral',
            ...renderUsageError(`\`${parsed.kind}\` needs the remediation workflow, which is not enabled in this installation.`),
          });
          return;
        }
        // A region this installation does not check is a usage error now, not a message in the
        // channel saying it was skipped: only the one who typed it is told, and nothing runs.
        const unconfigured = parsed.kind === 'check' ? (parsed.regions ?? []).filter((r) => !config.scope.regions.includes(r)) : [];
        if (unconfigured.length > 0) {
          await ack({
            response_type: 'ephemeral',
            ...renderUsageError(
              `${unconfigured.map((r) => `\`${r}\``).join(', ')} ${unconfigured.length === 1 ? 'is not a region' : 'are not regions'} this installation checks (${config.scope.regions.join(', ') || 'none configured'}); nothing was checked. Ask whoever deployed glue-encrypt to add ${unconfigured.length === 1 ? 'it' : 'them'} to GLUE_ENCRYPT_REGIONS.`,
            ),
          });
          return;
        }
        // Likewise an account that is neither this one nor a configured member (when this one is known).
        const home = config.scope.homeAccountId;
        const unknownAccounts = parsed.kind === 'check' && home ? (parsed.accounts ?? []).filter((a) => a !== home && !config.scope.accounts.includes(a)) : [];
        if (unknownAccounts.length > 0) {
          await ack({
            response_type: 'ephemeral',
            ...renderUsageError(
              `${unknownAccounts.map((a) => `\`${a}\``).join(', ')} ${unknownAccounts.length === 1 ? 'is not an account' : 'are not accounts'} this installation reads (${[home, ...config.scope.accounts].join(', ')}); nothing was checked. Ask whoever deployed glue-encrypt to add ${unknownAccounts.length === 1 ? 'it' : 'them'} to GLUE_ENCRYPT_ACCOUNTS and deploy the read-only role there.`,
            ),
          });
          return;
        }
        const requester = { channelId: command.channel_id, userId: command.user_id, teamId: command.team_id, responseUrl: command.response_url };
        try {
          await deps.dispatcher.dispatch(
            parsed.kind === 'check'
              ? {
                  kind: 'check',
                  request: {
                    ...(parsed.regions ? { regions: parsed.regions } : {}),
                    ...(parsed.accounts ? { accounts: parsed.accounts } : {}),
                    ...(parsed.transform ? { transform: parsed.transform } : {}),
                  },
                  ...requester,
                }
              : parsed.kind === 'history'
                ? { kind: 'history', transform: parsed.transform, ...requester }
                : { kind: 'status', ...requester },
          );
        } catch (err) {
          await ack({
            response_type: 'ephemeral',
            ...renderFailure(
              `I could not start the ${parsed.kind}.`,
              `The worker could not be reached (${(err as Error).name ?? 'Error'}).`,
              'Try again in a minute; if it keeps failing, ask whoever deployed glue-encrypt to look at the slack function logs.',
            ),
          });
          return;
        }
        const notice =
          parsed.kind === 'check'
            ? `Checking ${parsed.transform ? `transform ${parsed.transform}` : 'all ML transforms'} in ${describeScope(parsed.regions, parsed.accounts, config)}… results will appear in this channel.`
            : parsed.kind === 'history'
              ? `Reading the audit trail of ${parsed.transform}…`
              : 'Reading the remediations in flight…';
        await ack({ response_type: 'ephemeral', ...renderNotice(notice) });
        return;
      }
    }
  });

  registerRemediationListeners(app, config, deps.dispatcher, auditRefusal);
  registerWaiverListeners(app, config, deps.dispatcher, auditRefusal, waiverDeps);

  // The Home tab: the worker reads the posture and publishes it; Bolt acknowledges the event.
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await deps.dispatcher.dispatch({ kind: 'home', userId: event.user }).catch((err: unknown) => app.logger.warn('Could not hand the Home tab to the worker', err));
  });

  return { app, receiver };
}
