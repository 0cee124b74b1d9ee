import { ClickHouseSinkError } from './errors.ts';

/**
 * `{{name}}` templating for the SQL files: migrations need the database name, TTL clauses
 * that disappear when retention is 0, and the duration bucket bounds shared with
 * TypeScript. Double braces keep ClickHouse query parameters (`{name:Type}`) untouched;
 * an unknown name is an error, never an empty string.
 */
export function renderTemplate(sql: string, vars: Readonly<Record<string, string>>): string {
  return sql.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new ClickHouseSinkError('INVALID_ARGUMENT', `unknown template variable {{${name}}}`);
    return v;
  });
}

/**
 * Split a SQL file into statements at a `;` ending a (non-comment) line; comment-only
 * chunks are dropped. A string literal must not contain a line ending in `;`.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  const flush = (): void => {
    if (current.some((l) => l.trim() !== '' && !l.trim().startsWith('--'))) out.push(current.join('\n').trim());
    current = [];
  };
  for (const line of sql.split(/\r?\n/)) {
    const isCode = !line.trim().startsWith('--');
    if (isCode && /;\s*$/.test(line)) {
      current.push(line.replace(/;\s*$/, ''));
      flush();
    } else current.push(line);
  }
  flush();
  return out;
}

/** A ClickHouse identifier we are willing to splice into SQL (database and table names). */
export function assertIdentifier(name: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ClickHouseSinkError('INVALID_ARGUMENT', `invalid ${what} ${JSON.stringify(name)}: use letters, digits and _`);
  return name;
}

/** One retention rule: rows whose `where` holds expire `days` after `timeExpr`; 0 = never. */
export interface TtlRule {
  readonly days: number;
  readonly where?: string;
}

/**
 * A `TTL ...` clause with one DELETE rule per non-zero retention, or '' when every rule
 * is 0 — "keep forever" means no TTL at all, so merges never spend time on TTL.
 */
export function ttlClause(timeExpr: string, rules: readonly TtlRule[]): string {
  const parts = rules
    .filter((r) => r.days > 0)
    .map((r) => {
      if (!Number.isInteger(r.days)) throw new ClickHouseSinkError('INVALID_ARGUMENT', `TTL days must be an integer, got ${r.days}`);
      return `${timeExpr} + toIntervalDay(${r.days}) DELETE${r.where === undefined ? '' : ` WHERE ${r.where}`}`;
    });
  return parts.length === 0 ? '' : `TTL ${parts.join(',\n    ')}`;
}
