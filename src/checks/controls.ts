// Which compliance controls each reason bears on, in one place, with a title per control so
// the Slack views and JSON output can show more than an identifier.

import type { ReasonCode } from './types.js';

/** Every control a reason can map to, in display order, with its title. */
export const CONTROLS = {
  'AWS FSBP Glue.3': 'AWS Glue machine learning transforms should be encrypted at rest',
  'AWS FSBP KMS.3': 'AWS KMS keys should not be deleted unintentionally',
  'AWS FSBP KMS.4': 'AWS KMS key rotation should be enabled',
  'NIST 800-53 SC-28': 'Protection of information at rest',
  'NIST 800-53 SC-12': 'Cryptographic key establishment and management',
  'NIST 800-53 AU-9': 'Protection of audit information',
} as const satisfies Record<string, string>;

export type ControlId = keyof typeof CONTROLS;

const GLUE_3: ControlId = 'AWS FSBP Glue.3';
const KMS_3: ControlId = 'AWS FSBP KMS.3';
const KMS_4: ControlId = 'AWS FSBP KMS.4';
const SC_28: ControlId = 'NIST 800-53 SC-28';
const SC_12: ControlId = 'NIST 800-53 SC-12';
const AU_9: ControlId = 'NIST 800-53 AU-9';

/** A key that cannot protect the transform's user data fails the at-rest controls and key management. */
const KEY_UNUSABLE = [GLUE_3, SC_28, SC_12];

/**
 * The controls each reason maps to. Glue.3 only where the transform's user data is (or may be)
 * left without a working KMS key; key choice and rotation are key management (SC-12); task-run
 * output is information at rest (SC-28); logs are audit information (AU-9).
 */
export const REASON_CONTROLS: Readonly<Record<ReasonCode, readonly ControlId[]>> = {
  USER_DATA_NOT_ENCRYPTED: [GLUE_3, SC_28],
  KMS_KEY_ID_MISSING: [GLUE_3, SC_28],
  KMS_KEY_NOT_FOUND: KEY_UNUSABLE,
  // Could not verify: the controls that remain unverified.
  KMS_KEY_ACCESS_DENIED: [GLUE_3, SC_12],
  KMS_KEY_LOOKUP_FAILED: [GLUE_3, SC_12],
  KMS_KEY_NOT_ENABLED: KEY_UNUSABLE,
  KMS_KEY_PENDING_DELETION: [GLUE_3, KMS_3, SC_12],
  KMS_KEY_OTHER_REGION: KEY_UNUSABLE,
  KMS_KEY_NOT_SYMMETRIC: KEY_UNUSABLE,
  KMS_KEY_AWS_MANAGED: [SC_12],
  KMS_KEY_NOT_ALLOWED: [SC_12],
  KMS_KEY_ROTATION_OFF: [KMS_4, SC_12],
  KMS_KEY_ROTATION_UNKNOWN: [KMS_4, SC_12],
  SECURITY_CONFIGURATION_MISSING: [SC_28],
  SECURITY_CONFIGURATION_NOT_FOUND: [SC_28],
  SECURITY_CONFIGURATION_UNREADABLE: [SC_28],
  TASK_OUTPUT_S3_NOT_ENCRYPTED: [SC_28],
  TASK_OUTPUT_S3_SSE_S3: [SC_28],
  TASK_LOGS_NOT_ENCRYPTED: [AU_9, SC_28],
  JOB_BOOKMARKS_NOT_ENCRYPTED: [SC_28],
  TRANSFORM_NOT_EVALUATED: [GLUE_3],
};

/** What a passing transform satisfies: its user data is encrypted at rest with a usable KMS key. */
export const PASS_CONTROLS: readonly ControlId[] = [GLUE_3, SC_28];

/** Title of a control id, or undefined for an id this module does not know. */
export function controlTitle(id: string): string | undefined {
  return Object.hasOwn(CONTROLS, id) ? CONTROLS[id as ControlId] : undefined;
}

const ORDER: readonly string[] = Object.keys(CONTROLS);

/** De-duplicates control ids and puts them in display order (unknown ids last, alphabetically). */
export function sortControls(ids: Iterable<string>): string[] {
  const rank = (id: string): number => {
    const i = ORDER.indexOf(id);
    return i === -1 ? ORDER.length : i;
  };
  return [...new Set(ids)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
