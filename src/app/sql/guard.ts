/**
 * Checks a `/sql` query on ClickHouse's own parse of it (the `EXPLAIN AST` tree), never on
 * keywords: one SELECT (WITH, UNION, INTERSECT and subqueries included) over the tailstream
 * database and a few table functions that compute rows in memory. Pure: the engine calls
 * live in session.ts.
 */

/** One node of `EXPLAIN AST`: its type (`SelectQuery`, `Function`, …) and the rest of its line. */
export interface AstNode {
  readonly type: string;
  readonly text: string;
  readonly children: AstNode[];
}

export interface GuardPolicy {
  /** The only database a query may name. */
  readonly database: string;
  /** Lower-case names of the engine's table functions that are not also ordinary functions. */
  readonly tableFunctions: ReadonlySet<string>;
}

/** Table functions that only compute rows in memory: no files, network, processes or other tables. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['numbers', 'numbers_mt', 'values', 'generate_series', 'generateseries']);

/** Ordinary functions that read files or models, or other tables or dictionaries by name. */
const DENIED_FUNCTIONS = new Set(['file', 'catboostevaluate', 'naivebayesclassifier', 'hascolumnintable', 'getserversetting']);
const DENIED_PREFIXES = ['dict', 'joinget'];
/** Whose second argument, when a bare name, is a table. */
const IN_FUNCTIONS = new Set(['in', 'notin', 'globalin', 'globalnotin', 'nullin', 'notnullin', 'globalnullin', 'globalnotnullin']);

const STATEMENTS: Readonly<Record<string, string>> = {
  InsertQuery: 'INSERT', CreateQuery: 'CREATE', DropQuery: 'DROP', AlterQuery: 'ALTER', RenameQuery: 'RENAME',
  SetQuery: 'SET', UseQuery: 'USE', SystemQuery: 'SYSTEM', OptimizeQuery: 'OPTIMIZE', DeleteQuery: 'DELETE',
};

/** The tree of `EXPLAIN AST` output lines (one node per line, one space of indent per level). */
export function parseExplainAst(lines: readonly string[]): AstNode | undefined {
  const stack: AstNode[] = [];
  let root: AstNode | undefined;
  for (const line of lines) {
    const m = /^( *)([A-Za-z]+)(?: +(.*))?$/.exec(line);
    if (!m) return undefined;
    const depth = (m[1] ?? '').length;
    const node: AstNode = { type: m[2] ?? '', text: (m[3] ?? '').replace(/ \(children \d+\)$/, ''), children: [] };
    if (depth === 0) {
      if (root) return undefined;
      root = node;
    } else {
      const parent = stack[depth - 1];
      if (!parent || depth > stack.length) return undefined;
      parent.children.push(node);
    }
    stack.length = depth;
    stack.push(node);
  }
  return root;
}

/**
 * Why ClickHouse's formatting of a query is refused: a quoted name with an escape or control
 * character in it would print across lines in `EXPLAIN AST` and could fake tree nodes.
 */
export function refuseQuotedNames(formatted: string): string | undefined {
  for (let i = 0; i < formatted.length; i++) {
    const c = formatted[i] ?? '';
    if (c === "'" || c === '`' || c === '"') {
      let j = i + 1;
      let escaped = false;
      for (; j < formatted.length; j++) {
        const d = formatted[j];
        if (d === '\\') {
          escaped = true;
          j++;
        } else if (d === c) {
          if (formatted[j + 1] !== c) break;
          j++;
        } else if (d !== undefined && d < ' ') {
          escaped = true;
        }
      }
      if (c !== "'" && escaped) return 'quoted names with escape sequences or control characters are not allowed';
      i = j;
    } else if (c < ' ') {
      return 'control characters outside string literals are not allowed';
    }
  }
  return undefined;
}

/** Why the query whose tree this is may not run, or undefined when it may. */
export function refuseTree(root: AstNode, policy: GuardPolicy): string | undefined {
  if (root.type !== 'SelectWithUnionQuery') {
    return `only SELECT queries are allowed, this is ${STATEMENTS[root.type] ?? root.type}`;
  }
  return walk(root, undefined, policy);
}

function walk(node: AstNode, parent: AstNode | undefined, policy: GuardPolicy): string | undefined {
  const refused = refuseNode(node, parent, policy);
  if (refused) return refused;
  for (const child of node.children) {
    const r = walk(child, node, policy);
    if (r) return r;
  }
  return undefined;
}

function refuseNode(node: AstNode, parent: AstNode | undefined, policy: GuardPolicy): string | undefined {
  switch (node.type) {
    case 'Set':
      return 'SETTINGS is not allowed: /sql runs every query under fixed limits';
    case 'SelectWithUnionQuery': {
      // Its first child is the list of selects; anything after it is INTO OUTFILE, FORMAT or SETTINGS.
      const extra = node.children[1];
      if (!extra) return undefined;
      if (extra.type === 'Literal') return 'INTO OUTFILE is not allowed';
      if (extra.type === 'Identifier') return 'FORMAT is not allowed: /sql answers JSON';
      return `${extra.type} after the query is not allowed`;
    }
    case 'TableIdentifier':
      return refuseTable(node.text, policy);
    case 'Function':
      return refuseFunction(node, parent?.type === 'TableExpression', policy);
    default:
      return undefined;
  }
}

function refuseTable(text: string, policy: GuardPolicy): string | undefined {
  const m = /^(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)(?: \(alias .*\))?$/.exec(text);
  if (!m) return `table "${text}" is not allowed: name tables of the ${policy.database} database by plain names`;
  const database = m[1];
  // system.one is the one-row table a SELECT without FROM reads.
  if (database === 'system' && m[2] === 'one' && !/ \(alias /.test(text)) return undefined;
  if (database !== undefined && database !== policy.database) {
    return `table ${database}.${m[2] ?? ''} is not allowed: /sql reads the ${policy.database} database only`;
  }
  return undefined;
}

function refuseFunction(node: AstNode, inFrom: boolean, policy: GuardPolicy): string | undefined {
  const name = node.text.split(' ')[0] ?? '';
  const lower = name.toLowerCase();
  const allowedTable = ALLOWED_TABLE_FUNCTIONS.has(lower);
  if (inFrom && !allowedTable) return `table function ${name}() is not allowed (allowed: numbers, values, generate_series)`;
  if (DENIED_FUNCTIONS.has(lower) || DENIED_PREFIXES.some((p) => lower.startsWith(p))) return `function ${name}() is not allowed`;
  // A table function can stand as an argument too (`x IN file(...)`).
  if (policy.tableFunctions.has(lower) && !allowedTable) return `table function ${name}() is not allowed (allowed: numbers, values, generate_series)`;
  if (IN_FUNCTIONS.has(lower)) {
    const table = node.children[0]?.children[1];
    if (table?.type === 'Identifier') return refuseTable(table.text, policy);
  }
  return undefined;
}
