// When a scan's calls leave and their answers come back, from Node's http client diagnostics
// channels: where the wall time goes between the first answers and the last one. In a warm scan
// every account-region's first GetMLTransforms request leaves before any answer arrives: those
// are the first pages.
import dc from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export interface CallTimeline {
  /** Milliseconds from the start of the scan. */
  firstAnswerMs: number;
  /** The scanner has read the headers of every first page (those asked for before any answer). */
  firstPagesReadMs: number;
  /** The last call (a later page or a key or configuration lookup) left. */
  lastSentMs: number;
  lastAnswerMs: number;
  calls: number;
  firstPages: number;
}

interface Message {
  request: ClientRequest;
}

export async function withCallTimeline<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; timeline: CallTimeline }> {
  const firstPages = new Set<ClientRequest>();
  let calls = 0;
  let firstAnswerMs = Number.NaN;
  let firstPagesReadMs = Number.NaN;
  let firstPagesRead = 0;
  let lastSentMs = Number.NaN;
  let lastAnswerMs = Number.NaN;
  const started = performance.now();
  const onStart = (message: unknown): void => {
    const { request } = message as Message;
    calls += 1;
    lastSentMs = performance.now() - started;
    if (Number.isNaN(firstAnswerMs) && request.getHeader('x-amz-target') === 'AWSGlue.GetMLTransforms') firstPages.add(request);
  };
  // Published when the response's headers are parsed, before its body is read.
  const onAnswer = (message: unknown): void => {
    const { request } = message as Message;
    const at = performance.now() - started;
    if (Number.isNaN(firstAnswerMs)) firstAnswerMs = at;
    lastAnswerMs = at;
    if (firstPages.has(request) && ++firstPagesRead === firstPages.size) firstPagesReadMs = at;
  };
  dc.subscribe('http.client.request.start', onStart);
  dc.subscribe('http.client.response.finish', onAnswer);
  try {
    const value = await fn();
    const ms = performance.now() - started;
    return { value, ms, timeline: { firstAnswerMs, firstPagesReadMs, lastSentMs, lastAnswerMs, calls, firstPages: firstPages.size } };
  } finally {
    dc.unsubscribe('http.client.request.start', onStart);
    dc.unsubscribe('http.client.response.finish', onAnswer);
  }
}
