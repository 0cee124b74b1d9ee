import { describe, expect, it } from 'vitest';
import { parseExplainAst, refuseQuotedNames, refuseTree } from '../../../src/app/sql/guard.ts';
import { limitSettings } from '../../../src/app/sql/limits.ts';

const policy = { database: 'tailstream', tableFunctions: new Set(['url', 's3', 'remote']) };

/** `EXPLAIN AST` lines as ClickHouse prints them, from an indented sketch. */
const tree = (...lines: string[]) => {
  const t = parseExplainAst(lines);
  if (!t) throw new Error('unreadable tree');
  return t;
};
const select = (...from: string[]) => tree('SelectWithUnionQuery (children 1)', ' ExpressionList (children 1)', '  SelectQuery (children 2)', '   ExpressionList (children 1)', '    Asterisk', ...from);
const fromTable = (line: string) => select('   TablesInSelectQuery (children 1)', '    TablesInSelectQueryElement (children 1)', '     TableExpression (children 1)', `      ${line}`);

describe('refuseTree', () => {
  it.each([
    ['TableIdentifier spans', undefined],
    ['TableIdentifier tailstream.spans (alias s)', undefined],
    ['TableIdentifier system.one', undefined],
    ['TableIdentifier system.one (alias o)', /system\.one is not allowed/],
    ['TableIdentifier system.tables', /system\.tables is not allowed: \/sql reads the tailstream database only/],
    ['TableIdentifier tailstream.x.y', /name tables of the tailstream database by plain names/],
    ['Function numbers (alias n) (children 1)', undefined],
    ['Function file (children 1)', /table function file\(\) is not allowed/],
    ['Function URL (children 1)', /table function URL\(\) is not allowed/],
  ])('FROM %s', (line, refusal) => {
    const r = refuseTree(fromTable(line), policy);
    if (refusal === undefined) expect(r).toBeUndefined();
    else expect(r).toMatch(refusal);
  });

  it('refuses any statement but a SELECT, and output options after it', () => {
    expect(refuseTree(tree('InsertQuery   (children 2)', ' Function file (children 1)'), policy)).toBe('only SELECT queries are allowed, this is INSERT');
    expect(refuseTree(tree('SelectWithUnionQuery (children 2)', ' ExpressionList (children 1)', " Literal '/tmp/x'"), policy)).toMatch(/INTO OUTFILE/);
    expect(refuseTree(select('   Set'), policy)).toMatch(/SETTINGS is not allowed/);
  });

  it('refuses file() and other table functions wherever they stand, and tables named by IN', () => {
    const where = (fn: string, ...args: string[]) => select(`   Function ${fn} (children 1)`, '    ExpressionList (children 2)', "     Literal 'x'", ...args.map((a) => `     ${a}`));
    expect(refuseTree(where('file'), policy)).toBe('function file() is not allowed');
    expect(refuseTree(where('in', 'Function url (children 1)'), policy)).toMatch(/table function url\(\) is not allowed/);
    expect(refuseTree(where('notIn', 'Identifier system.users'), policy)).toMatch(/system\.users is not allowed/);
    expect(refuseTree(where('dictGetString'), policy)).toMatch(/dictGetString\(\) is not allowed/);
    expect(refuseTree(where('in', 'Identifier tailstream.spans'), policy)).toBeUndefined();
  });
});

describe('parseExplainAst', () => {
  it('reads nesting from the indent and refuses lines that skip a level or a second root', () => {
    expect(parseExplainAst(['A', ' B', '  C', ' D'])?.children.map((c) => c.type)).toEqual(['B', 'D']);
    expect(parseExplainAst(['A', '  B'])).toBeUndefined();
    expect(parseExplainAst(['A', 'B'])).toBeUndefined();
    expect(parseExplainAst(['A', ' 1 not a node'])).toBeUndefined();
  });
});

describe('refuseQuotedNames', () => {
  it.each([
    ["SELECT 'a\\nb', 'it''s' AS `x y`", undefined],
    ['SELECT 1 AS `a\\n   Literal 1`', /escape sequences/],
    ['SELECT 1 AS "a\\tb"', /escape sequences/],
    ['SELECT 1\nFROM t', /control characters/],
  ])('%s', (formatted, refusal) => {
    const r = refuseQuotedNames(formatted);
    if (refusal === undefined) expect(r).toBeUndefined();
    else expect(r).toMatch(refusal);
  });
});

describe('limitSettings', () => {
  it('sets readonly and every limit on the query itself', () => {
    const s = limitSettings({ timeoutMs: 2500, maxMemoryBytes: 1000, maxRowsToRead: 5, maxResultRows: 10, maxResultBytes: 99, maxThreads: 1 });
    expect(s).toBe(
      "SETTINGS max_execution_time = 2.5, timeout_overflow_mode = 'throw', max_memory_usage = 1000, max_rows_to_read = 5, read_overflow_mode = 'throw', " +
        "max_result_rows = 11, max_result_bytes = 99, result_overflow_mode = 'throw', max_threads = 1, output_format_json_quote_64bit_integers = 1, readonly = 1",
    );
  });
});
