import { relative, sep } from 'node:path';
import ts from 'typescript';

/** One place where raw SQL appears outside the files allowed to hold it. */
export interface RawSqlUse {
  file: string;
  line: number;
  column: number;
  what: string;
}

/** Where raw SQL may live: the database layer, and files whose name says they hold SQL. */
export function mayHoldSql(file: string): boolean {
  const path = file.split(sep).join('/');
  return path.startsWith('src/database/') || path.endsWith('.sql.ts') || path.endsWith('.reader.ts');
}

/**
 * Statements in a string: `select … from`, `insert into`, `update … set`, `delete from`. A template's substitutions
 * count as names (`update ${table} set …`). English prose rarely has these shapes; SQL nearly always does.
 */
const SQL_SHAPES = [
  /\bselect\s[\s\S]*?\bfrom\s+(\(|"|\$\{|[a-z_])/i,
  /\binsert\s+into\s/i,
  /\bupdate\s+("[^"]+"|[a-z_][\w.]*|\$\{\})\s+set\s/i,
  /\bdelete\s+from\s/i,
];

/** Packages whose query APIs take or build SQL. */
const SQL_PACKAGES = ['/node_modules/@mikro-orm/', '/node_modules/kysely/', '/node_modules/knex/', '/node_modules/pg/', '/node_modules/@types/pg/'];
const SQL_MODULES = new Set(['knex', 'kysely', 'pg', '@mikro-orm/knex']);
/** Members that hand out a SQL builder or connection to write SQL with. */
const SQL_BUILDERS = new Set(['getKnex', 'getKysely']);
/** Tags and helpers that put SQL text into a query. */
const SQL_TAGS = new Set(['sql', 'raw']);

function templateText(node: ts.TemplateExpression): string {
  return node.head.text + node.templateSpans.map((span) => '${}' + span.literal.text).join('');
}

function declaredInSqlPackage(checker: ts.TypeChecker, node: ts.Node): boolean {
  let symbol = checker.getSymbolAtLocation(node);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const files = (symbol?.declarations ?? []).map((declaration) => declaration.getSourceFile().fileName.split(sep).join('/'));
  return files.some((file) => SQL_PACKAGES.some((pkg) => file.includes(pkg)));
}

/** Every raw SQL use in `program`'s files under `root`/src that `mayHoldSql` does not allow. */
export function rawSqlUses(program: ts.Program, root: string): RawSqlUse[] {
  const checker = program.getTypeChecker();
  const uses: RawSqlUse[] = [];
  for (const source of program.getSourceFiles()) {
    const file = relative(root, source.fileName);
    if (!file.split(sep).join('/').startsWith('src/') || source.isDeclarationFile || mayHoldSql(file)) continue;
    const report = (node: ts.Node, what: string) => {
      const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
      uses.push({ file, line: line + 1, column: character + 1, what });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
        const text = ts.isTemplateExpression(node) ? templateText(node) : node.text;
        if (SQL_SHAPES.some((shape) => shape.test(text))) report(node, `SQL text: ${text.replace(/\s+/g, ' ').trim().slice(0, 60)}`);
      }
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && SQL_MODULES.has(node.moduleSpecifier.text)) {
        report(node, `import from '${node.moduleSpecifier.text}'`);
      }
      if (ts.isPropertyAccessExpression(node)) {
        const name = node.name.text;
        if (SQL_BUILDERS.has(name)) report(node.name, name);
        else if (name === 'execute' && ts.isCallExpression(node.parent) && node.parent.expression === node && declaredInSqlPackage(checker, node.name)) {
          report(node.name, `.execute() of ${checker.typeToString(checker.getTypeAtLocation(node.expression))}`);
        }
      }
      if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && SQL_TAGS.has(node.tag.text)) report(node, `${node.tag.text}\`…\``);
      if (
        ts.isCallExpression(node) &&
        ts.isIdentifier(node.expression) &&
        SQL_TAGS.has(node.expression.text) &&
        declaredInSqlPackage(checker, node.expression)
      ) {
        report(node, `${node.expression.text}()`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return uses.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** The project's program, as tsconfig.json compiles it (so calls resolve to their declarations). */
export function projectProgram(root: string, extraFiles: Record<string, string> = {}): ts.Program {
  const configFile = ts.readConfigFile(`${root}/tsconfig.json`, (path) => ts.sys.readFile(path));
  const config = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const options = { ...config.options, noEmit: true, incremental: false };
  const host = ts.createCompilerHost(options);
  const extra = new Map(Object.entries(extraFiles).map(([name, text]) => [`${root}/${name}`.split(sep).join('/'), text]));
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (name) => extra.get(name.split(sep).join('/')) ?? readFile(name);
  host.fileExists = (name) => extra.has(name.split(sep).join('/')) || fileExists(name);
  const rootNames = [...config.fileNames.filter((name) => relative(root, name).split(sep)[0] === 'src'), ...extra.keys()];
  return ts.createProgram({ rootNames, options, host });
}
