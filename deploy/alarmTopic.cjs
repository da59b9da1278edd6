// The alarmTopicArn param, checked at package time: an SNS topic ARN or empty (no notifications).
// A typo would otherwise reach CloudFormation, which fails the stack update on the alarms late.
'use strict';

/** arn:<partition>:sns:<region>:<account>:<topic>; topic names are 1-256 of A-Z a-z 0-9 - _ (".fifo" for FIFO topics). */
const TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z]{2,4}(-[a-z]{2,4})?-[a-z]+-[1-9][0-9]?:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

function alarmTopicArn(value) {
  const arn = String(value ?? '').trim();
  if (arn !== '' && !TOPIC_ARN.test(arn)) {
    throw new Error(`alarmTopicArn "${arn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>); leave it empty for alarms that notify nobody`);
  }
  return arn;
}

// osls calls the export with its variable resolver: `${file(./deploy/alarmTopic.cjs)}`.
module.exports = async ({ resolveVariable }) => alarmTopicArn(await resolveVariable('param:alarmTopicArn'));
module.exports.alarmTopicArn = alarmTopicArn;
