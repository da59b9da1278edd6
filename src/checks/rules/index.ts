// The rule registry: adding a check is adding a file beside this one and a line below.

import type { Rule } from '../types.js';
import { kmsKeyRule } from './kms-key.js';
import { taskRunSecurityConfigurationRule } from './task-run-security-configuration.js';
import { userDataEncryptionRule } from './user-data-encryption.js';

/** Every rule, in the order their reasons are listed when equally severe. */
export const ALL_RULES: readonly Rule[] = Object.freeze([
  userDataEncryptionRule,
  kmsKeyRule,
  taskRunSecurityConfigurationRule,
]);

export { kmsKeyRule, taskRunSecurityConfigurationRule, userDataEncryptionRule };
