// App Home: publish the viewer's Home tab (views.publish) from the newest scan snapshot, off the
// event's path (the worker runs it; Slack gets its 200 at once).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { WebClient } from '@slack/web-api';
import type { AppConfig } from '../config.js';
import { readPosture, type PostureDeps } from '../home/posture.js';
import { ApproverGroupCache } from './approverGroup.js';
import type { HomeJob } from './jobs.js';
import { slackErrorCode } from './publish.js';
import { renderHome } from './views/home.js';

const groups = new ApproverGroupCache();

export async function runHomeJob(job: HomeJob, deps: PostureDeps & { config: AppConfig; web: WebClient; logger: Pick<Logger, 'warn' | 'error'> }): Promise<void> {
  const { approvers, approverGroup } = deps.config.remediation;
  let approver = approvers.includes(job.userId);
  if (!approver && approverGroup) {
    approver = await groups
      .includes(deps.web, approverGroup, job.userId)
      // Unknown: the tab shows no buttons (the click would check again anyway).
      .catch(() => false);
  }
  const posture = await readPosture(deps);
  try {
    await deps.web.views.publish({ user_id: job.userId, view: renderHome(posture, { userId: job.userId, approver }) });
  } catch (err) {
    deps.logger.warn('Could not publish the Home tab', { user: job.userId, error: slackErrorCode(err) ?? (err as Error).message });
  }
}
