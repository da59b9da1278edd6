// The Bolt app: listeners for /glue-encrypt and (later) buttons. Listeners answer Slack at
// once and hand long work to the worker; they never wait on Glue or KMS themselves.
import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import type { AppConfig } from '../config.js';
import { parseCommand } from './commands.js';
import type { JobDispatcher } from './jobs.js';
import { registerRemediationListeners, remediationEnabled } from './remediationListeners.js';
import { SLASH_COMMAND, renderHelp, renderUsageError } from './views/help.js';
import { renderFailure, renderNotice } from './views/notice.js';

export interface SlackAppDeps {
  config: AppConfig;
  signingSecret: string;
  botToken: string;
  dispatcher: JobDispatcher;
}

function describeScope(regions: string[] | undefined, accounts: string[] | undefined, config: AppConfig): string {
  const r = regions ?? config.scope.regions;
  const a = accounts ?? (config.scope.accounts.length > 0 ? ['this account', ...config.scope.accounts] : ['this account']);
  return `${a.join(', ')} · ${r.join(', ') || 'no region configured'}`;
}

export function createSlackApp(deps: SlackAppDeps): { app: App; receiver: AwsLambdaReceiver } {
  const { config } = deps;
  const receiver = new AwsLambdaReceiver({ signingSecret: deps.signingSecret, logLevel: LogLevel.WARN });
  const app = new App({
    token: deps.botToken,
    receiver,
    // Known IDs spare a cold start the auth.test round trip.
    botId: config.slack.botId,
    botUserId: config.slack.botUserId,
    tokenVerificationEnabled: false,
    logLevel: LogLevel.WARN,
    clientOptions: config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : undefined,
  });

  // Only the workspace (and grid) the bot was installed for may drive it.
  app.use(async ({ body, ack, next }) => {
    const b = body as { team_id?: string; team?: { id?: string }; enterprise_id?: string; enterprise?: { id?: string } };
    const teamId = b.team_id ?? b.team?.id;
    const enterpriseId = b.enterprise_id ?? b.enterprise?.id;
    const wrongTeam = config.slack.teamId !== undefined && teamId !== config.slack.teamId;
    const wrongGrid = config.slack.enterpriseId !== undefined && enterpriseId !== config.slack.enterpriseId;
    if (wrongTeam || wrongGrid) {
      await ack?.({
        response_type: 'ephemeral',
        ...renderNotice('This glue-encrypt installation serves another Slack workspace; nothing was done.'),
      } as never);
      return;
    }
    await next();
  });

  app.command(SLASH_COMMAND, async ({ command, ack }) => {
    const parsed = parseCommand(command.text ?? '');
    switch (parsed.kind) {
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

  registerRemediationListeners(app, config, deps.dispatcher);

  return { app, receiver };
}
