// The alarmTopicArn param is checked when the template is made (deploy/alarmTopic.cjs).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const { alarmTopicArn } = createRequire(import.meta.url)('../../deploy/alarmTopic.cjs') as { alarmTopicArn(value: string): string };

describe('alarmTopicArn', () => {
  it('accepts an SNS topic ARN in any partition, or nothing', () => {
    expect(alarmTopicArn('arn:aws:sns:eu-west-1:123456789012:glue-encrypt-alarms')).toBe('arn:aws:sns:eu-west-1:123456789012:glue-encrypt-alarms');
    expect(alarmTopicArn('arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops.fifo')).toContain('ops.fifo');
    expect(alarmTopicArn(' ')).toBe('');
  });

  it('refuses anything else, naming the value', () => {
    for (const bad of ['glue-encrypt-alarms', 'arn:aws:sns:eu-west-1:123:t', 'arn:aws:sqs:eu-west-1:123456789012:q', 'arn:aws:sns:eu-west-1:123456789012:bad name']) {
      expect(() => alarmTopicArn(bad), bad).toThrow(`alarmTopicArn "${bad}" is not an SNS topic ARN`);
    }
  });
});
