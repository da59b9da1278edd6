// A remediation request's Slack message: updated to show where it stands, and its thread told
// how it ended. Given to the remediation services by the handlers and listeners.
import type { WebClient } from '@slack/web-api';
import type { RequestMessages } from '../remediation/runtime.js';
import { renderOutcomeNotice, renderRemediation } from './views/remediation.js';

/**
 * @param web         edits the request message
 * @param announceWeb posts the closing thread notice; worth waiting out a rate limit for, unlike a progress edit
 */
export function requestMessages(web: WebClient, announceWeb: WebClient = web): RequestMessages {
  return {
    async notify(r) {
      if (!r.slack.ts) return;
      const message = renderRemediation(r);
      await web.chat.update({ channel: r.slack.channel, ts: r.slack.ts, text: message.text, blocks: message.blocks });
    },
    async announce(r) {
      const notice = renderOutcomeNotice(r);
      if (!r.slack.ts || !notice) return;
      await announceWeb.chat.postMessage({ channel: r.slack.channel, thread_ts: r.slack.ts, text: notice.text, blocks: notice.blocks });
    },
  };
}
