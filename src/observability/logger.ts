import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/config';

export type { Logger };

/** Structured JSON logs on stdout, one object per line. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'parley' }, timestamp: pino.stdTimeFunctions.isoTime });
}
