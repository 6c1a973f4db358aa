// Renders the contract's types as plain declarations, with no reference to zod: what the
// client's bundled `index.d.ts` carries (rollup.config.mjs), so a client user needs no zod for
// types either. Each type the contract infers from a schema (`z.input<typeof …>`) is expanded
// into an interface, property by property, with the JSDoc written on the schema's keys; every
// other declaration (`type Channel = (typeof channels)[number]`) is copied as written, and
// constant tables become `declare const`s of their literal types.
import ts from 'typescript';

const printFlags =
  ts.TypeFormatFlags.NoTruncation |
  ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType |
  ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;

/** A JSDoc block from a symbol's documentation and tags, indented by `indent`. */
function jsDoc(symbol, checker, indent) {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const tags = symbol
    .getJsDocTags(checker)
    .map((tag) => `@${tag.name}${tag.text ? ` ${ts.displayPartsToString(tag.text)}` : ''}`);
  const lines = [...(text ? text.split('\n') : []), ...tags];
  if (lines.length === 0) return '';
  return `${indent}/**\n${lines.map((line) => `${indent} *${line ? ` ${line}` : ''}`).join('\n')}\n${indent} */\n`;
}

/** Prints types as text, naming the contract's own types (`named`: type → name) where they occur. */
function createPrinter(checker, named) {
  const namedUnions = [...named]
    .filter(([type]) => type.isUnion() && !(type.flags & ts.TypeFlags.Boolean))
    .sort(([a], [b]) => b.types.length - a.types.length);
  const print = (type) => checker.typeToString(type, undefined, printFlags);
  // A union's members, with every named union among them (`NumberType | null`) and every named
  // object printed by its name; null when none is there to name.
  const unionText = (members) => {
    let rest = members;
    const parts = [];
    for (const [union, name] of namedUnions) {
      if (union.types.every((member) => rest.includes(member))) {
        parts.push(name);
        rest = rest.filter((member) => !union.types.includes(member));
      }
    }
    if (parts.length === 0 && !rest.some((member) => named.has(member))) return null;
    return [...parts, ...rest.map((member) => named.get(member) ?? print(member))].join(' | ');
  };
  const typeText = (type) => {
    if (named.has(type)) return named.get(type);
    if (checker.isArrayType(type)) {
      const [element] = checker.getTypeArguments(type);
      return element.isUnion() && !named.has(element) ? `(${typeText(element)})[]` : `${typeText(element)}[]`;
    }
    return (type.isUnion() && unionText(type.types)) || print(type);
  };
  // An object literal's type (not an array, a record, a function or a primitive's apparent type).
  const isPlainObject = (type) =>
    (type.flags & ts.TypeFlags.Object) !== 0 &&
    !checker.isArrayType(type) &&
    !checker.isTupleType(type) &&
    type.getCallSignatures().length === 0 &&
    checker.getIndexInfosOfType(type).length === 0 &&
    type.getProperties().length > 0;
  const propertyText = (property, indent) => {
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    let type = checker.getTypeOfSymbol(property);
    // `to?: string | undefined` reads as `to?: string`: the `?` says it already.
    if (optional && type.isUnion()) {
      const defined = type.types.filter((member) => !(member.flags & ts.TypeFlags.Undefined));
      if (defined.length > 1) {
        const text = unionText(defined) ?? print(type).replace(/ \| undefined$/, '');
        return `${jsDoc(property, checker, indent)}${indent}${property.name}?: ${text};\n`;
      }
      type = defined[0];
    }
    const text = isPlainObject(type) && !named.has(type) ? objectText(type, `${indent}  `) : typeText(type);
    return `${jsDoc(property, checker, indent)}${indent}${property.name}${optional ? '?' : ''}: ${text};\n`;
  };
  const objectText = (type, indent) =>
    `{\n${type
      .getProperties()
      .map((p) => propertyText(p, indent))
      .join('')}${indent.slice(2)}}`;
  return { print, isPlainObject, objectText };
}

/** Renders `entry`'s exports (a `.ts` module of zod schemas and inferred types) as a `.d.ts`. */
export function wireTypes(entry) {
  const program = ts.createProgram([entry], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)));
  const resolve = (symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const named = new Map();
  for (const exported of exports) {
    const symbol = resolve(exported);
    if (symbol.flags & ts.SymbolFlags.TypeAlias) named.set(checker.getDeclaredTypeOfSymbol(symbol), exported.name);
  }
  const { print, isPlainObject, objectText } = createPrinter(checker, named);

  let out = '';
  for (const exported of exports) {
    const symbol = resolve(exported);
    const name = exported.name;
    const doc = jsDoc(symbol, checker, '');
    if (symbol.flags & ts.SymbolFlags.TypeAlias) {
      const written = symbol.declarations[0].type.getText();
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      const fromSchema = /\bz\./.test(written);
      if (fromSchema && isPlainObject(type)) out += `${doc}export interface ${name} ${objectText(type, '  ')}\n\n`;
      else out += `${doc}export type ${name} = ${fromSchema ? print(type) : written};\n\n`;
    } else if (symbol.flags & ts.SymbolFlags.Interface) {
      out += `${doc}export interface ${name} ${objectText(checker.getDeclaredTypeOfSymbol(symbol), '  ')}\n\n`;
    } else if (symbol.flags & ts.SymbolFlags.Variable && !name.endsWith('Schema') && name !== 'schemas') {
      out += `${doc}export declare const ${name}: ${print(checker.getTypeOfSymbol(symbol))};\n\n`;
    }
  }
  return out;
}
