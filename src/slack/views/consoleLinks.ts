// Links from Slack to the AWS console page of a transform, a key or a security configuration.
// The KMS path (#/kms/keys/<id>) is the console's own; the Glue console's hash routes are not a
// documented API, so a changed route lands on the Glue console in that region, never elsewhere.
// The console opens in whichever account the reader is signed in to: the text names the account.
import { literal } from './blocks.js';

/** The console's host for the region's partition. */
function consoleOrigin(region: string): string {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return 'https://console.amazonaws-us-gov.com';
  return `https://${region}.console.aws.amazon.com`;
}

/** A path part of a URL: encoded, so nothing in it can end Slack's <url|label> early. */
const part = (value: string) => encodeURIComponent(value);

export function transformConsoleUrl(region: string, transformId: string): string {
  return `${consoleOrigin(region)}/glue/home?region=${part(region)}#/v2/data-integration/ml-transforms/view/${part(transformId)}`;
}

export function securityConfigurationConsoleUrl(region: string, name: string): string {
  return `${consoleOrigin(region)}/glue/home?region=${part(region)}#/v2/etl-configuration/security-configurations/view/${part(name)}`;
}

/**
 * The key's page, from a key ID or key ARN (the key's own region wins). An alias names no key
 * page: the link is to the region's customer managed keys then.
 */
export function keyConsoleUrl(region: string, key: string): string {
  const arn = /^arn:[\w-]+:kms:([a-z0-9-]+):\d{12}:(key|alias)\/(.+)$/.exec(key);
  const keyRegion = arn?.[1] ?? region;
  const keyId = arn ? (arn[2] === 'key' ? arn[3] : undefined) : key.startsWith('alias/') ? undefined : key;
  const base = `${consoleOrigin(keyRegion)}/kms/home?region=${part(keyRegion)}#/kms/keys`;
  return keyId ? `${base}/${part(keyId)}` : base;
}

/** A Slack link; the label is literal text. */
export function consoleLink(url: string, label: string): string {
  return `<${url}|${literal(label).replaceAll('|', '¦')}>`;
}

export interface ConsoleTargets {
  region: string;
  transformId?: string;
  key?: string;
  securityConfiguration?: string;
}

/** "Console: transform · key · security configuration", for what is known. */
export function consoleLinksLine(t: ConsoleTargets): string {
  const links = [
    t.transformId ? consoleLink(transformConsoleUrl(t.region, t.transformId), 'transform') : undefined,
    t.key ? consoleLink(keyConsoleUrl(t.region, t.key), 'key') : undefined,
    t.securityConfiguration ? consoleLink(securityConfigurationConsoleUrl(t.region, t.securityConfiguration), 'security configuration') : undefined,
  ].filter((l): l is string => l !== undefined);
  return links.length > 0 ? `AWS console: ${links.join(' · ')}` : '';
}
