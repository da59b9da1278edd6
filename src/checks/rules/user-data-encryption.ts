// Rule 1: the transform's user data (imported labels, the trained transform) is encrypted with
// a customer KMS key: MlUserDataEncryption mode SSE-KMS with a KmsKeyId. Glue has no SSE-S3 at
// this level; absent, DISABLED or any other mode means no KMS key protects it.

import { quote, reason } from '../reasons.js';
import type { Reason, Rule } from '../types.js';

const NOT_IN_PLACE = 'Glue cannot switch this on in place: the transform must be re-created with SSE-KMS.';

export const userDataEncryptionRule: Rule = {
  id: 'user-data-encryption',
  description: "The transform's labels and trained model are encrypted with a customer KMS key (MlUserDataEncryption SSE-KMS).",
  evaluate(ctx): Reason[] {
    const { userDataMode: mode, kmsKeyId } = ctx.transform?.encryption ?? {};

    if (mode == null || mode === 'DISABLED') {
      return [
        reason(
          'USER_DATA_NOT_ENCRYPTED',
          'FAIL',
          `User data is not encrypted (MlUserDataEncryption: ${mode ?? 'not set'}): labels and the trained model are stored without a KMS key. ${NOT_IN_PLACE}`,
        ),
      ];
    }
    if (mode !== 'SSE-KMS') {
      return [
        reason(
          'USER_DATA_NOT_ENCRYPTED',
          'FAIL',
          `User data is not encrypted: MlUserDataEncryption mode ${quote(mode)} is not one Glue encrypts with (only SSE-KMS is).`,
        ),
      ];
    }
    if (typeof kmsKeyId !== 'string' || kmsKeyId.trim() === '') {
      return [
        reason(
          'KMS_KEY_ID_MISSING',
          'FAIL',
          'User data mode is SSE-KMS but no KmsKeyId is set, so no customer key is known to protect the labels and trained model.',
        ),
      ];
    }
    return [];
  },
};
