// Who is in the approver group, as Slack says (usergroups.users.list), cached per container.
import type { WebClient } from '@slack/web-api';

/**
 * Approver-group members, read at most once a minute per container: a click must not wait on
 * Slack, and a rate-limited lookup soon after a good one still knows the group (for 5 minutes).
 * The price: a member removed from the group may still approve for up to a minute.
 */
export class ApproverGroupCache {
  private read?: { at: number; users: string[] };
  constructor(private readonly now: () => number = Date.now) {}

  /** Whether Slack lists `userId` in `group`; throws the Slack error when it cannot say. */
  async includes(web: Pick<WebClient, 'usergroups'>, group: string, userId: string): Promise<boolean> {
    return (await this.members(async () => (await web.usergroups.users.list({ usergroup: group })).users ?? [])).includes(userId);
  }

  private async members(lookup: () => Promise<string[]>): Promise<string[]> {
    const age = this.read ? this.now() - this.read.at : Infinity;
    if (this.read && age < 60_000) return this.read.users;
    try {
      const users = await lookup();
      this.read = { at: this.now(), users };
      return users;
    } catch (err) {
      if (this.read && age < 300_000) return this.read.users;
      throw err;
    }
  }
}

