// Facts about a Glue security configuration, asked once per distinct name per scan.
import { GetSecurityConfigurationCommand, type GlueClient } from '@aws-sdk/client-glue';
import type { SecurityConfigurationLookup } from '../checks/types.js';
import { failedLookup } from './awsErrors.js';

export async function lookupSecurityConfiguration(
  glue: Pick<GlueClient, 'send'>,
  name: string,
  where: string,
): Promise<SecurityConfigurationLookup> {
  try {
    const out = await glue.send(new GetSecurityConfigurationCommand({ Name: name }));
    const enc = out.SecurityConfiguration?.EncryptionConfiguration;
    return {
      kind: 'found',
      config: {
        name,
        s3: (enc?.S3Encryption ?? []).map((s) => ({ mode: s.S3EncryptionMode ?? 'DISABLED', kmsKeyArn: s.KmsKeyArn })),
        cloudWatchMode: enc?.CloudWatchEncryption?.CloudWatchEncryptionMode,
        cloudWatchKmsKeyArn: enc?.CloudWatchEncryption?.KmsKeyArn,
        jobBookmarksMode: enc?.JobBookmarksEncryption?.JobBookmarksEncryptionMode,
      },
    };
  } catch (err) {
    return failedLookup(err, { code: 'EntityNotFoundException', message: `Security configuration ${name} does not exist in ${where}.` }, 'glue:GetSecurityConfiguration', where);
  }
}
