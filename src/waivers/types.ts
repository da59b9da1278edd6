// An accepted risk: someone asks to leave a failing transform as it is until a date, an
// approver who is not them agrees, and until then the finding shows as WAIVED.
import type { ReasonCode } from '../checks/types.js';

export type WaiverStatus = 'pending_approval' | 'active' | 'rejected' | 'revoked' | 'expired';

export interface Waiver {
  id: string;
  /** Every save is conditional on the version read. */
  version: number;
  status: WaiverStatus;
  accountId: string;
  region: string;
  transformId: string;
  /** For people and the audit trail (which is kept by name); the binding is the ID. */
  transformName: string;
  /** The failing reasons accepted: any other keeps the finding FAIL. */
  reasonCodes: ReasonCode[];
  justification: string;
  ticket?: string;
  /** The instant it ends: the end of the chosen day, UTC. */
  expiresAt: string;
  requestedBy: string;
  requestedAt: string;
  /** Until when an approver may decide it (GLUE_ENCRYPT_APPROVAL_TTL_HOURS, as for remediation requests; never past expiresAt). */
  decideBy?: string;
  teamId?: string;
  /** Where the request was made: its message, the decisions and the expiry notice go there. */
  channelId: string;
  messageTs?: string;
  decidedBy?: string;
  decidedAt?: string;
  revokedBy?: string;
  revokedAt?: string;
  /** Why it ended early (replaced by another waiver, say), when not by a person's revoke. */
  endNote?: string;
  /** The channel was told it expired (or the sweep gave up after MAX_NOTICE_ATTEMPTS). */
  expiryTold?: boolean;
  noticeAttempts?: number;
}
