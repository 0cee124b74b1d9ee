/** Structured logs, one JSON object per line on stderr: `{ level, module, message, ...args, err }`. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, args?: Record<string, unknown>): void;
  info(message: string, args?: Record<string, unknown>): void;
  warn(message: string, args?: Record<string, unknown>, err?: unknown): void;
  error(message: string, args?: Record<string, unknown>, err?: unknown): void;
  child(module: string): Logger;
}

export function createLogger(module: string, level: LogLevel = envLevel(), sink: (line: string) => void = writeStderr): Logger {
  const emit = (l: LogLevel, message: string, args?: Record<string, unknown>, err?: unknown): void => {
    if (order[l] < order[level]) return;
    const e = err instanceof Error ? { err: { name: err.name, message: err.message, code: (err as { code?: unknown }).code } } : err === undefined ? {} : { err: String(err) };
    sink(JSON.stringify({ time: new Date().toISOString(), level: l, module, message, ...args, ...e }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  };
  return {
    debug: (m, a) => emit('debug', m, a),
    info: (m, a) => emit('info', m, a),
    warn: (m, a, e) => emit('warn', m, a, e),
    error: (m, a, e) => emit('error', m, a, e),
    child: (sub) => createLogger(`${module}.${sub}`, level, sink),
  };
}

function writeStderr(line: string): void {
  process.stderr.write(line + '\n');
}

function envLevel(): LogLevel {
  // Logging level is the one setting read here rather than in src/config: loggers exist before config is parsed.
  const v = process.env['LOG_LEVEL'];
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' ? v : process.env['VITEST'] ? 'warn' : 'info';
}
