// The scan state machine exactly as the template deploys it (deploy/scan-state-machine.json,
// included by serverless.yml), with CloudFormation's DefinitionSubstitutions applied.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the template's schedule (ScanSchedule) passes the scan state machine. */
export const SCHEDULE_INPUT = '{"trigger":"schedule"}';

const DEFINITION = fileURLToPath(new URL('../../deploy/scan-state-machine.json', import.meta.url));

export function scanStateMachineDefinition(substitutions: { ScanFunctionArn: string; DigestFunctionArn: string; Partition?: string }): unknown {
  const values: Record<string, string> = { Partition: 'aws', ...substitutions };
  const text = readFileSync(DEFINITION, 'utf8').replace(/\$\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`scan-state-machine.json: no substitution for ${whole}`);
    return value;
  });
  return JSON.parse(text) as unknown;
}
