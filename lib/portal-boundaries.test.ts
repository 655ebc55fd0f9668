// The rule that keeps services out of browser bundles: no 'use client' module under app/ or
// components/ may import, however indirectly (relative and `@/` imports), lib/db or any module that
// does. Shared services do not carry `server-only` (Hono, the CLI and Vitest load them outside
// Next.js), so this test is what catches a client component that would ship a query to the browser.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.jsx', '.mjs'];
const FORBIDDEN = path.join(root, 'lib', 'db') + path.sep;

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(tsx?|mts|jsx?|mjs)$/.test(entry.name) && !/\.(test|spec)\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
}

function hasDirective(source: ts.SourceFile, directive: 'use client' | 'use server'): boolean {
  for (const statement of source.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) return false;
    if (statement.expression.text === directive) return true;
  }
  return false;
}
const isClientModule = (source: ts.SourceFile) => hasDirective(source, 'use client');

/** The module specifiers a file loads at run time: type-only imports and exports are erased. */
function runtimeImports(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly = clause?.isTypeOnly
        || (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings)
          && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = node.isTypeOnly
        || (node.exportClause && ts.isNamedExports(node.exportClause) && node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push(node.arguments[0].text);
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A relative or `@/` specifier as a file of ours; packages (and anything unresolvable) as null. */
function resolveLocal(from: string, specifier: string): string | null {
  let base: string;
  if (specifier.startsWith('@/')) base = path.join(root, specifier.slice(2));
  else if (specifier.startsWith('./') || specifier.startsWith('../')) base = path.resolve(path.dirname(from), specifier);
  else return null;
  const stripped = base.replace(/\.(js|mjs|jsx)$/, '');
  const candidates = [base, ...EXTENSIONS.map((ext) => stripped + ext), ...EXTENSIONS.map((ext) => path.join(base, `index${ext}`))];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? null;
}

export type BoundaryViolation = { client: string; chain: string[] };

/** Every client module among `files` that reaches lib/db (server-action modules are where it stops), with one import chain that shows how. */
export function clientBoundaryViolations(files: string[]): BoundaryViolation[] {
  const imports = new Map<string, string[]>();
  const importsOf = (file: string) => {
    let list = imports.get(file);
    if (!list) {
      const source = parse(file);
      // A 'use server' module reaches the browser as references to its actions, not as code.
      list = hasDirective(source, 'use server') ? [] : runtimeImports(source).map((s) => resolveLocal(file, s)).filter((f): f is string => f !== null);
      imports.set(file, list);
    }
    return list;
  };
  const violations: BoundaryViolation[] = [];
  for (const client of files.filter((f) => isClientModule(parse(f)))) {
    // Breadth-first, so the chain reported is a shortest one.
    const cameFrom = new Map<string, string | null>([[client, null]]);
    const queue = [client];
    let reached: string | null = null;
    while (queue.length && !reached) {
      const file = queue.shift()!;
      for (const next of importsOf(file)) {
        if (cameFrom.has(next)) continue;
        cameFrom.set(next, file);
        if (next.startsWith(FORBIDDEN)) {
          reached = next;
          break;
        }
        queue.push(next);
      }
    }
    if (reached) {
      const chain: string[] = [];
      for (let at: string | null = reached; at; at = cameFrom.get(at) ?? null) chain.unshift(path.relative(root, at));
      violations.push({ client: path.relative(root, client), chain });
    }
  }
  return violations;
}

describe('portal bundle boundaries', () => {
  it('no client module under app/ or components/ imports lib/db, directly or through a service (server actions excepted)', () => {
    const files = [...sourceFiles(path.join(root, 'app')), ...sourceFiles(path.join(root, 'components'))];
    expect(files.filter((f) => isClientModule(parse(f))).length).toBeGreaterThan(3);
    const violations = clientBoundaryViolations(files);
    expect(violations.map((v) => `${v.client}: ${v.chain.join(' → ')}`)).toEqual([]);
  });

  it('reports a client component that reaches the database through a service, and not one that imports its types only', () => {
    const violations = clientBoundaryViolations(sourceFiles(path.join(root, 'lib', 'testing', 'boundary-fixture')));
    expect(violations).toEqual([{
      client: 'lib/testing/boundary-fixture/leaky-widget.tsx',
      chain: ['lib/testing/boundary-fixture/leaky-widget.tsx', 'lib/testing/boundary-fixture/widget-service.ts', 'lib/db/client.ts'],
    }]);
  });
});
