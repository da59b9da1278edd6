// What every button listener says back to the clicker, in one place: an ephemeral answer through
// the click's response_url, the answer to a damaged button, and how a damaged value is audited.
import { renderFailure } from './views/notice.js';

export type Respond = (message: { response_type: 'ephemeral'; replace_original: false; text: string; blocks?: unknown[] }) => Promise<unknown>;

/**
 * Tells the clicker, never throwing. A click from the Home tab has no response_url, so Bolt gives
 * no respond: nothing is said there (the listener publishes the tab again where that matters).
 */
export async function ephemeral(respond: Respond | undefined, message: { text: string; blocks: unknown[] }): Promise<void> {
  await respond?.({ response_type: 'ephemeral', replace_original: false, ...message }).catch(() => undefined);
}

export const INVALID_BUTTON = renderFailure('That button is not valid.', 'Its payload did not pass validation, so nothing was done.', 'Run /glue-encrypt check again and use the new buttons.');

/** A damaged or forged value, as the audit trail records it: quoted and cut short. */
export function describeRaw(raw: string | undefined): string {
  const quoted = JSON.stringify(raw ?? '');
  return quoted.length > 200 ? `${quoted.slice(0, 199)}…` : quoted;
}
