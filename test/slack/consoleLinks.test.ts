import { describe, expect, it } from 'vitest';
import { consoleLinksLine, keyConsoleUrl, securityConfigurationConsoleUrl, transformConsoleUrl } from '../../src/slack/views/consoleLinks.js';
import { formattedSpans } from './mrkdwnModel.js';

describe('AWS console links', () => {
  it("opens a key's own page in the key's region, from a key ID or ARN; an alias opens the region's keys", () => {
    expect(keyConsoleUrl('eu-west-1', '1234abcd-12ab-34cd-56ef-1234567890ab')).toBe(
      'https://eu-west-1.console.aws.amazon.com/kms/home?region=eu-west-1#/kms/keys/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    expect(keyConsoleUrl('eu-west-1', 'arn:aws:kms:us-east-1:111111111111:key/k-1')).toBe('https://us-east-1.console.aws.amazon.com/kms/home?region=us-east-1#/kms/keys/k-1');
    expect(keyConsoleUrl('eu-west-1', 'alias/glue-ml')).toBe('https://eu-west-1.console.aws.amazon.com/kms/home?region=eu-west-1#/kms/keys');
    expect(keyConsoleUrl('eu-west-1', 'arn:aws:kms:eu-west-1:111111111111:alias/glue-ml')).toBe('https://eu-west-1.console.aws.amazon.com/kms/home?region=eu-west-1#/kms/keys');
  });

  it("uses the partition's console host", () => {
    expect(transformConsoleUrl('cn-north-1', 'tfm-1')).toMatch(/^https:\/\/cn-north-1\.console\.amazonaws\.cn\/glue\//);
    expect(transformConsoleUrl('us-gov-west-1', 'tfm-1')).toMatch(/^https:\/\/console\.amazonaws-us-gov\.com\/glue\/home\?region=us-gov-west-1#/);
  });

  it('encodes a hostile security configuration name so the link cannot be ended or redirected early', () => {
    const url = securityConfigurationConsoleUrl('eu-west-1', 'x|y> <!channel>');
    expect(url).not.toMatch(/[|<> ]/);
    const line = consoleLinksLine({ region: 'eu-west-1', transformId: 'tfm-1', securityConfiguration: 'x|y> <!channel>' });
    const controls = formattedSpans(line).filter((s) => s.kind === 'control').map((s) => s.content);
    expect(controls).toHaveLength(2);
    for (const c of controls) expect(c).toMatch(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/glue\/home\?region=eu-west-1#[^|]+\|(transform|security configuration)$/);
  });

  it('says nothing when there is nothing to link', () => {
    expect(consoleLinksLine({ region: 'eu-west-1' })).toBe('');
  });
});
