// Help and usage errors for /glue-encrypt, built from the command table so they cannot drift
// from what the parser accepts.

import type { KnownBlock } from '@slack/types';
import { COMMANDS, OPTIONS } from '../commands.js';
import { code, escapeMrkdwn, mrkdwnSection } from './blocks.js';
import type { SlackMessage } from './blocks.js';

export const SLASH_COMMAND = '/glue-encrypt';

const EXAMPLES = [
  `${SLASH_COMMAND} check`,
  `${SLASH_COMMAND} check customer-dedupe`,
  `${SLASH_COMMAND} check "customer dedupe v2" --region eu-west-1`,
  `${SLASH_COMMAND} check --region eu-west-1,us-east-1 --account 123456789012`,
  `${SLASH_COMMAND} history tfm-7c1e0a3b9d2f4e6a8c1b3d5f7e9a0c2b4d6f8e1a`,
];

function usageLines(): string {
  return Object.values(COMMANDS)
    .map((spec) => `\`${SLASH_COMMAND} ${spec.usage}\`\n      ${spec.summary}`)
    .join('\n');
}

function optionLines(): string {
  return Object.entries(OPTIONS)
    .map(([name, spec]) => `\`--${name}${spec.placeholder ? ` ${spec.placeholder}` : ''}\`  ${spec.description}`)
    .join('\n');
}

function usageBlocks(): KnownBlock[] {
  return [
    mrkdwnSection(`*Commands*\n${escapeMrkdwn(usageLines())}`),
    mrkdwnSection(
      `*Options*\n${escapeMrkdwn(optionLines())}\n` +
        'Options also take the form `--region=eu-west-1`. Put a transform name with spaces in double quotes.',
    ),
  ];
}

/** The full help: what the bot does, the commands, options and examples. Ephemeral. */
export function renderHelp(): SlackMessage {
  return {
    text: `${SLASH_COMMAND}: check AWS Glue ML transforms for encryption at rest. Commands: ${Object.keys(COMMANDS).join(', ')}.`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${SLASH_COMMAND}` } },
      mrkdwnSection(
        'Checks that AWS Glue ML transforms keep their data encrypted at rest (user data with a ' +
          'customer-managed KMS key, task runs with a security configuration) and posts what needs attention.',
      ),
      ...usageBlocks(),
      mrkdwnSection(`*Examples*\n${EXAMPLES.map(code).join('\n')}`),
    ],
  };
}

/** A command that could not be understood: the problem first, then the usage. Ephemeral. */
export function renderUsageError(error: string): SlackMessage {
  const problem = escapeMrkdwn(error);
  return {
    text: `${problem} Try \`${SLASH_COMMAND} help\`.`,
    blocks: [mrkdwnSection(`:warning: ${problem}`), ...usageBlocks()],
  };
}
