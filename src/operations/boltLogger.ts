// Bolt and the Slack Web API client log through @slack/logger's interface; this routes them
// through Powertools Logger, so every line a function writes is the same JSON.
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';

const ORDER: LogLevel[] = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

/** A Slack logger writing through `powertools` with the `source` it names ("bolt", "web-api"). */
export function slackLogger(powertools: PowertoolsLogger, source: string, level: LogLevel = LogLevel.WARN): SlackLogger {
  let current = level;
  let name = source;
  const write = (at: LogLevel, method: 'debug' | 'info' | 'warn' | 'error') => (...parts: unknown[]) => {
    if (ORDER.indexOf(at) < ORDER.indexOf(current)) return;
    const error = parts.find((p): p is Error => p instanceof Error);
    const message = parts
      .filter((p) => p !== error)
      .map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))
      .join(' ');
    if (error) powertools[method](message || error.message, { source: name, error });
    else powertools[method](message, { source: name });
  };
  return {
    debug: write(LogLevel.DEBUG, 'debug'),
    info: write(LogLevel.INFO, 'info'),
    warn: write(LogLevel.WARN, 'warn'),
    error: write(LogLevel.ERROR, 'error'),
    setLevel: (l) => {
      current = l;
    },
    getLevel: () => current,
    setName: (n) => {
      name = n;
    },
  };
}
