import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import type { DynamoDbAction, TableKey } from '../../../lib/services';
import { TABLE_ENV } from '../../../lib/services';

/**
 * Derives, from the code, the DynamoDB actions each function performs on each table: what
 * test/unit/lib/least-privilege.test.ts holds lib/services.ts (and so the template) to.
 *
 * Why a type-checked call graph and not "the Command classes a bundle imports": a bundle holds code
 * its function never runs (the inventory table's base class serves both the API's catalogue and the
 * consumer's reservations; adapters have methods only some callers use), so a module-level scan would
 * over-grant. Instead:
 * 1. The handler's import graph (relative imports from lambdas/<service>/handler.ts) is the code.
 * 2. Every adapter (a class or function declared in lambdas/) that the handler constructs or calls
 *    with `requiredEnv('<TABLE>')` among its arguments is bound to that table.
 * 3. Starting from all code outside lambdas/adapters, calls are resolved with the type checker: a
 *    call of an adapter method (or of a port interface method, which reaches the same-named method
 *    of every adapter class implementing that port) reaches that method, under the table of the
 *    adapter it was reached through; `this.x()` and `this.field.y()` inside it follow the same way.
 * 4. In reached code, each `new <X>Command(...)` from @aws-sdk/lib-dynamodb or client-dynamodb is
 *    mapped to its IAM action(s): TransactWriteCommand to the item actions named in its TransactItems
 *    (Put, Update, Delete, ConditionCheck), a Query/Scan with IndexName to the index. A library
 *    persistence layer (Powertools idempotency) contributes the Commands its shipped JS constructs.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..');
const LAMBDAS = path.join(ROOT, 'lambdas');
const ADAPTERS = path.join(LAMBDAS, 'adapters');
const DYNAMODB_MODULES = new Set(['@aws-sdk/lib-dynamodb', '@aws-sdk/client-dynamodb']);

/** IAM action of each single-action DynamoDB command (document client and low-level names). */
const COMMAND_ACTIONS: Readonly<Record<string, DynamoDbAction>> = {
  GetCommand: 'GetItem',
  GetItemCommand: 'GetItem',
  PutCommand: 'PutItem',
  PutItemCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  UpdateItemCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  DeleteItemCommand: 'DeleteItem',
  BatchGetCommand: 'BatchGetItem',
  BatchGetItemCommand: 'BatchGetItem',
  BatchWriteCommand: 'BatchWriteItem',
  BatchWriteItemCommand: 'BatchWriteItem',
  QueryCommand: 'Query',
  ScanCommand: 'Scan',
};

/** Transaction items and the IAM action each needs (TransactWriteItems has no action of its own). */
const TRANSACT_ITEM_ACTIONS: Readonly<Record<string, DynamoDbAction>> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

/**
 * Library classes that talk to DynamoDB themselves: the shipped JS whose `new XCommand(` calls count.
 * (The type checker only sees their .d.ts.)
 */
const LIBRARY_PERSISTENCE: Readonly<Record<string, string>> = {
  DynamoDBPersistenceLayer:
    'node_modules/@aws-lambda-powertools/idempotency/lib/cjs/persistence/DynamoDBPersistenceLayer.js',
};

/** `table` or `table/index/<name>` -> sorted actions. */
export type DerivedAccess = Record<string, DynamoDbAction[]>;

const ENV_TABLE = new Map(Object.entries(TABLE_ENV).map(([table, env]) => [env, table as TableKey]));

let program: ts.Program | undefined;
function sharedProgram(): ts.Program {
  if (!program) {
    const entries = fs
      .readdirSync(LAMBDAS)
      .map((dir) => path.join(LAMBDAS, dir, 'handler.ts'))
      .filter((file) => fs.existsSync(file));
    program = ts.createProgram(entries, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      esModuleInterop: true,
    });
  }
  return program;
}

/** The DynamoDB actions, per table (and index), of the code reachable from lambdas/<service>/handler.ts. */
export function deriveDynamoDbAccess(service: string): DerivedAccess {
  const prog = sharedProgram();
  const checker = prog.getTypeChecker();
  const entry = prog.getSourceFile(path.join(LAMBDAS, service, 'handler.ts'));
  if (!entry) throw new Error(`no handler for service ${service}`);
  const files = importGraph(prog, entry);

  const isAdapterMethod = (node: ts.Node): node is ts.MethodDeclaration =>
    ts.isMethodDeclaration(node) && node.getSourceFile().fileName.startsWith(ADAPTERS);
  const adapterClasses = files.flatMap((file) =>
    file.fileName.startsWith(ADAPTERS) ? file.statements.filter(ts.isClassDeclaration) : [],
  );

  // 2. Adapters bound to a table by the handler's wiring: `new X(..., requiredEnv('T'))` / `f({ tableName: requiredEnv('T') })`.
  const rootTables = new Map<ts.Declaration, TableKey>();
  walk(entry, (node) => {
    if (!ts.isNewExpression(node) && !ts.isCallExpression(node)) return;
    const table = tableInArguments(node.arguments ?? ts.factory.createNodeArray());
    if (!table) return;
    for (const declaration of declarationsOf(checker, node.expression)) {
      if (declaration.getSourceFile().fileName.startsWith(LAMBDAS)) rootTables.set(declaration, table);
    }
  });
  const tableOfMember = (member: ts.Node): TableKey | undefined => {
    for (let node: ts.Node | undefined = member; node; node = node.parent) {
      const table = rootTables.get(node as ts.Declaration);
      if (table) return table;
    }
    return undefined;
  };

  // 3. Worklist over (code, table of the adapter it runs for).
  const derived: Record<string, Set<DynamoDbAction>> = {};
  const grant = (target: string, actions: Iterable<DynamoDbAction>): void => {
    derived[target] ??= new Set();
    for (const action of actions) derived[target].add(action);
  };
  const seen = new Set<string>();
  const queue: Array<{ node: ts.Node; table: TableKey | undefined }> = [];
  const enqueue = (node: ts.Node, table: TableKey | undefined): void => {
    const key = `${node.getSourceFile().fileName}:${node.pos}:${table}`;
    if (seen.has(key)) return;
    seen.add(key);
    queue.push({ node, table });
  };
  for (const file of files) {
    // Function bodies bound to a table run under it; adapter methods only when reached.
    walk(file, (node) => {
      if (isAdapterMethod(node)) return false;
      const table = rootTables.get(node as ts.Declaration);
      if (table && ts.isFunctionDeclaration(node)) {
        enqueue(node, table);
        return false;
      }
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) enqueue(node, undefined);
      return true;
    });
  }

  while (queue.length > 0) {
    const { node, table } = queue.shift() as { node: ts.Node; table: TableKey | undefined };
    walk(node, (inner) => {
      if (inner !== node && isAdapterMethod(inner)) return false;
      if (ts.isNewExpression(inner)) visitNew(inner, table);
      if (ts.isCallExpression(inner)) visitCall(inner, table);
      return true;
    });
  }

  function visitCall(call: ts.CallExpression, table: TableKey | undefined): void {
    for (const declaration of declarationsOf(checker, call.expression)) {
      if (isAdapterMethod(declaration)) {
        enqueue(declaration, table ?? tableOfMember(declaration));
      } else if (ts.isMethodSignature(declaration) && ts.isInterfaceDeclaration(declaration.parent)) {
        // A port method: every adapter class implementing the port answers it.
        const port = declaration.parent.name.text;
        const name = declaration.name.getText();
        for (const adapter of adapterClasses.filter((c) => implementsPort(checker, c, port))) {
          const method = adapter.members.find((m) => ts.isMethodDeclaration(m) && m.name.getText() === name);
          if (method) enqueue(method, table ?? tableOfMember(method));
        }
      }
    }
  }

  function visitNew(expression: ts.NewExpression, table: TableKey | undefined): void {
    const name = expression.expression.getText();
    const library = LIBRARY_PERSISTENCE[name];
    if (library && importedFrom(checker, expression.expression, (m) => m.startsWith('@aws-lambda-powertools/'))) {
      const source = fs.readFileSync(path.join(ROOT, library), 'utf8');
      const actions = [...source.matchAll(/new\s+[\w.]*?(\w+Command)\(/g)].map((match) => {
        const command = match[1]!; // the group always participates
        const action = COMMAND_ACTIONS[command];
        if (!action) throw new Error(`unmapped DynamoDB command ${command} in ${library}: add it to COMMAND_ACTIONS`);
        return action;
      });
      grant(requireTable(table, name), actions);
      return;
    }
    if (!name.endsWith('Command') || !importedFrom(checker, expression.expression, (m) => DYNAMODB_MODULES.has(m))) {
      return;
    }
    const where = requireTable(table, name);
    const input = expression.arguments?.[0];
    if (name === 'TransactWriteCommand' || name === 'TransactWriteItemsCommand') {
      const actions: DynamoDbAction[] = [];
      if (input) {
        walk(input, (node) => {
          const action = ts.isPropertyAssignment(node) ? TRANSACT_ITEM_ACTIONS[node.name.getText()] : undefined;
          if (action) actions.push(action);
        });
      }
      if (actions.length === 0) throw new Error(`TransactWrite without recognisable items at ${locate(expression)}`);
      grant(where, actions);
      return;
    }
    const action = COMMAND_ACTIONS[name];
    if (!action)
      throw new Error(`unmapped DynamoDB command ${name} at ${locate(expression)}: add it to COMMAND_ACTIONS`);
    const indexed =
      input && ts.isObjectLiteralExpression(input) && input.properties.some((p) => p.name?.getText() === 'IndexName');
    grant(indexed ? `${where}/index` : where, [action]);
  }

  function requireTable(table: TableKey | undefined, what: string): TableKey {
    if (!table) throw new Error(`${service}: ${what} reached outside an adapter bound to a table by the handler`);
    return table;
  }

  return Object.fromEntries(
    Object.entries(derived)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([target, actions]) => [target, [...actions].sort()]),
  );
}

/** Source files of lambdas/ reachable from `entry` through relative imports (value or type). */
function importGraph(prog: ts.Program, entry: ts.SourceFile): ts.SourceFile[] {
  const found = new Map<string, ts.SourceFile>([[entry.fileName, entry]]);
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as ts.SourceFile;
    for (const statement of file.statements) {
      if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) || !statement.moduleSpecifier)
        continue;
      const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
      if (!specifier.startsWith('.')) continue;
      const target = prog.getSourceFile(path.resolve(path.dirname(file.fileName), `${specifier}.ts`));
      if (target && !found.has(target.fileName)) {
        found.set(target.fileName, target);
        pending.push(target);
      }
    }
  }
  return [...found.values()];
}

/** Depth-first walk; the visitor returns false to skip a node's children. */
function walk(node: ts.Node, visit: (node: ts.Node) => unknown): void {
  if (visit(node) === false) return;
  ts.forEachChild(node, (child) => walk(child, visit));
}

function declarationsOf(checker: ts.TypeChecker, expression: ts.Expression): ts.Declaration[] {
  const target = ts.isPropertyAccessExpression(expression) ? expression.name : expression;
  let symbol = checker.getSymbolAtLocation(target);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return symbol?.declarations ?? [];
}

/** Whether the identifier was imported (by name) from a module matching `matches`. */
function importedFrom(
  checker: ts.TypeChecker,
  expression: ts.Expression,
  matches: (module: string) => boolean,
): boolean {
  const symbol = checker.getSymbolAtLocation(expression);
  const declaration = symbol?.declarations?.[0];
  if (!declaration || !ts.isImportSpecifier(declaration)) return false;
  const module = declaration.parent.parent.parent.moduleSpecifier as ts.StringLiteral;
  return matches(module.text);
}

/** Whether the class implements the port, directly or through an interface extending it. */
function implementsPort(
  checker: ts.TypeChecker,
  declaration: ts.ClassDeclaration | ts.InterfaceDeclaration,
  port: string,
): boolean {
  return (declaration.heritageClauses ?? []).some((clause) =>
    clause.types.some(
      (type) =>
        type.expression.getText() === port ||
        declarationsOf(checker, type.expression).some(
          (parent) => ts.isInterfaceDeclaration(parent) && implementsPort(checker, parent, port),
        ),
    ),
  );
}

/** The table of a `tableName('<table key>')` (or `requiredEnv('<TABLE_ENV>')`) call among the arguments, if any. */
function tableInArguments(args: ts.NodeArray<ts.Expression>): TableKey | undefined {
  let table: TableKey | undefined;
  for (const arg of args) {
    walk(arg, (node) => {
      if (!ts.isCallExpression(node) || !node.arguments[0] || !ts.isStringLiteral(node.arguments[0])) return;
      const callee = node.expression.getText();
      const text = node.arguments[0].text;
      if (callee === 'tableName' && text in TABLE_ENV) table ??= text as TableKey;
      if (callee === 'requiredEnv') table ??= ENV_TABLE.get(text);
    });
  }
  return table;
}

function locate(node: ts.Node): string {
  const file = node.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(node.getStart());
  return `${path.relative(ROOT, file.fileName)}:${line + 1}`;
}
