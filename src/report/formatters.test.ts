import chalk from 'chalk';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allRules } from '../../rules/index.js';
import type { FileResult, Finding } from '../types.js';
import { formatNames, formatResults } from './index.js';

const cwd = '/home/ana/shop';
const context = { cwd, rules: allRules };

function fileResult(file: string, messages: Finding[]): FileResult {
  return {
    filePath: join(cwd, file),
    messages,
    errorCount: messages.filter((m) => m.severity === 2).length,
    warningCount: messages.filter((m) => m.severity === 1).length,
    fatalErrorCount: messages.filter((m) => m.fatal).length,
    fixableErrorCount: 0,
    fixableWarningCount: 0,
    suppressedMessages: [],
    usedDeprecatedRules: [],
  };
}

const results: FileResult[] = [
  fileResult('db/migrations/20240301120000_create_orders.ts', [
    {
      ruleId: 'require-guard',
      severity: 2,
      message: 'knex.schema.createTable orders has no guard: running this up twice fails or duplicates it.',
      help: 'Guard it: if (!(await knex.schema.hasTable("orders"))) { ... }',
      line: 4,
      column: 3,
    },
    {
      ruleId: 'round-trip',
      severity: 2,
      message: 'down did not restore the schema: column orders.total_cents, 100% <changed> & kept',
      help: 'Drop in down what up adds,\nin reverse order.',
      line: 12,
      column: 10,
      engine: 'pglite',
    },
  ]),
  fileResult('db/migrations/20240302090000_add_status.ts', [
    { ruleId: 'no-empty-down', severity: 1, message: 'down is empty: a rollback would do nothing.', line: 9, column: 1 },
  ]),
  fileResult('db/migrations/20240303100000_broken.ts', [
    { ruleId: null, severity: 2, fatal: true, message: "Parsing error: ',' expected.", line: 7, column: 22 },
  ]),
  fileResult('db/migrations/20240304100000_clean.ts', []),
];
const clean = [fileResult('db/migrations/20240304100000_clean.ts', [])];

const format = (name: (typeof formatNames)[number], input = results) => formatResults(name, input, context);

describe('stylish', () => {
  let level: typeof chalk.level;
  beforeEach(() => {
    level = chalk.level;
    chalk.level = 0;
  });
  afterEach(() => {
    chalk.level = level;
  });

  it('groups by relative path, aligns columns, puts help below and sums up', async () => {
    expect(await format('stylish')).toBe(
      [
        '',
        'db/migrations/20240301120000_create_orders.ts',
        '    4:3  error  knex.schema.createTable orders has no guard: running this up twice fails or duplicates it.             require-guard',
        '                → Guard it: if (!(await knex.schema.hasTable("orders"))) { ... }',
        '  12:10  error  down did not restore the schema: column orders.total_cents, 100% <changed> & kept (checked on pglite)  round-trip',
        '                → Drop in down what up adds,',
        '                  in reverse order.',
        '',
        'db/migrations/20240302090000_add_status.ts',
        '  9:1  warning  down is empty: a rollback would do nothing.  no-empty-down',
        '',
        'db/migrations/20240303100000_broken.ts',
        "  7:22  error  Parsing error: ',' expected.",
        '',
        '✖ 4 problems (3 errors, 1 warning)',
        '',
      ].join('\n'),
    );
  });

  it('prints nothing at all when there are no problems', async () => {
    expect(await format('stylish', clean)).toBe('');
    expect(await format('stylish', [])).toBe('');
  });

  it('says "problem" for one, and colours only when chalk allows it', async () => {
    const one = [results[1]];
    const plain = await format('stylish', one);
    expect(plain).toContain('✖ 1 problem (0 errors, 1 warning)');
    chalk.level = 1;
    const coloured = await format('stylish', one);
    expect(coloured).not.toBe(plain);
    expect(stripVTControlCharacters(coloured)).toBe(plain);
  });
});

describe('json', () => {
  it("is ESLint's json formatter: the results array as is", async () => {
    const output = await format('json');
    expect(output).toBe(JSON.stringify(results));
    const parsed = JSON.parse(output) as FileResult[];
    expect(parsed).toEqual(results);
    for (const result of parsed) {
      expect(Object.keys(result)).toEqual(
        expect.arrayContaining(['filePath', 'messages', 'errorCount', 'warningCount', 'fatalErrorCount', 'fixableErrorCount', 'fixableWarningCount', 'suppressedMessages', 'usedDeprecatedRules']),
      );
      for (const message of result.messages) {
        expect(message).toMatchObject({ severity: expect.any(Number), message: expect.any(String), line: expect.any(Number), column: expect.any(Number) });
        expect('ruleId' in message).toBe(true);
      }
    }
  });
});

// ------------------------------------------------------------------ SARIF 2.1.0 structure

/** The SARIF 2.1.0 required properties and enums rollsafe's output touches; returns every violation. */
function sarifViolations(log: any): string[] {
  const problems: string[] = [];
  const need = (condition: unknown, where: string) => {
    if (!condition) problems.push(where);
  };
  const isMessage = (m: any) => m && typeof m === 'object' && (typeof m.text === 'string' || typeof m.id === 'string');
  const isUri = (u: unknown) => {
    try {
      new URL(String(u), 'file:///base/');
      return typeof u === 'string' && u.length > 0;
    } catch {
      return false;
    }
  };
  const levels = ['none', 'note', 'warning', 'error'];

  need(typeof log.$schema === 'string' && isUri(log.$schema), '$schema');
  need(log.version === '2.1.0', 'version must be "2.1.0"');
  need(Array.isArray(log.runs) && log.runs.length === 1, 'runs: exactly one run');
  for (const [r, run] of (log.runs ?? []).entries()) {
    const driver = run.tool?.driver;
    need(driver && typeof driver.name === 'string', `runs[${r}].tool.driver.name`);
    need(isUri(driver?.informationUri), `runs[${r}].tool.driver.informationUri`);
    need(typeof driver?.version === 'string', `runs[${r}].tool.driver.version`);
    const rules: any[] = driver?.rules ?? [];
    const ids = rules.map((rule) => rule.id);
    need(new Set(ids).size === ids.length, 'rule ids unique');
    for (const [i, rule] of rules.entries()) {
      const at = `runs[${r}].tool.driver.rules[${i}]`;
      need(typeof rule.id === 'string' && rule.id, `${at}.id`);
      for (const key of ['shortDescription', 'fullDescription', 'help']) {
        if (rule[key] !== undefined) need(typeof rule[key].text === 'string' && rule[key].text, `${at}.${key}.text`);
      }
      if (rule.helpUri !== undefined) need(isUri(rule.helpUri), `${at}.helpUri`);
      if (rule.defaultConfiguration) need(levels.includes(rule.defaultConfiguration.level), `${at}.defaultConfiguration.level`);
    }
    const bases = run.originalUriBaseIds ?? {};
    for (const [name, base] of Object.entries<any>(bases)) need(isUri(base.uri) && base.uri.endsWith('/'), `originalUriBaseIds.${name} ends with /`);
    need(Array.isArray(run.results), `runs[${r}].results`);
    for (const [i, result] of (run.results ?? []).entries()) {
      const at = `runs[${r}].results[${i}]`;
      need(isMessage(result.message), `${at}.message`);
      if (result.level !== undefined) need(levels.includes(result.level), `${at}.level`);
      if (result.ruleIndex !== undefined) need(rules[result.ruleIndex]?.id === result.ruleId, `${at}.ruleIndex points at ${result.ruleId}`);
      need(ids.includes(result.ruleId), `${at}.ruleId has a descriptor`);
      for (const [j, location] of (result.locations ?? []).entries()) {
        const physical = location.physicalLocation;
        const where = `${at}.locations[${j}].physicalLocation`;
        need(physical && isUri(physical.artifactLocation?.uri), `${where}.artifactLocation.uri`);
        if (physical?.artifactLocation?.uriBaseId) need(physical.artifactLocation.uriBaseId in bases, `${where}.artifactLocation.uriBaseId defined`);
        need(Number.isInteger(physical?.region?.startLine) && physical.region.startLine >= 1, `${where}.region.startLine`);
        need(Number.isInteger(physical?.region?.startColumn) && physical.region.startColumn >= 1, `${where}.region.startColumn`);
      }
    }
  }
  return problems;
}

describe('sarif', () => {
  it('has every SARIF 2.1.0 required field, a descriptor per rule and a result per finding', async () => {
    const log = JSON.parse(await format('sarif'));
    expect(sarifViolations(log)).toEqual([]);
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('rollsafe');
    const descriptorIds = run.tool.driver.rules.map((rule: any) => rule.id);
    expect(descriptorIds).toEqual(expect.arrayContaining(allRules.map((rule) => rule.id)));
    expect(run.results).toHaveLength(4);
  });

  it('maps a rule to its docs, severity to level, and paths to cwd-relative uris', async () => {
    const run = JSON.parse(await format('sarif')).runs[0];
    const guard = run.tool.driver.rules.find((rule: any) => rule.id === 'require-guard');
    const rule = allRules.find((r) => r.id === 'require-guard')!;
    expect(guard).toMatchObject({
      shortDescription: { text: rule.meta.description },
      helpUri: rule.meta.docsUrl,
      defaultConfiguration: { level: 'error' },
    });
    expect(run.results[0]).toMatchObject({
      ruleId: 'require-guard',
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'db/migrations/20240301120000_create_orders.ts', uriBaseId: '%SRCROOT%' }, region: { startLine: 4, startColumn: 3 } } }],
    });
    expect(run.results[2]).toMatchObject({ ruleId: 'no-empty-down', level: 'warning' });
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toBe('file:///home/ana/shop/');
  });

  it('gives findings that are no rule\'s an id and a descriptor of their own', async () => {
    const run = JSON.parse(await format('sarif')).runs[0];
    const parseError = run.results[3];
    expect(parseError.ruleId).toBe('rollsafe/parse-error');
    expect(run.tool.driver.rules[parseError.ruleIndex].id).toBe('rollsafe/parse-error');
  });

  it('is valid with no findings at all', async () => {
    const log = JSON.parse(await format('sarif', clean));
    expect(sarifViolations(log)).toEqual([]);
    expect(log.runs[0].results).toEqual([]);
  });
});

// ------------------------------------------------------------------ GitHub workflow commands

// ::error file=F,line=L,col=C,title=T::MESSAGE — properties must not hold raw , : CR LF; data no raw CR LF.
const workflowCommand = /^::(error|warning) file=([^,:\r\n]*),line=(\d+),col=(\d+),title=([^,:\r\n]*)::([^\r\n]*)$/;
const unescapeData = (text: string) => text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (text: string) => unescapeData(text.replace(/%3A/g, ':').replace(/%2C/g, ','));

describe('github', () => {
  it('prints one workflow command per finding, matching the documented grammar', async () => {
    const lines = (await format('github')).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(workflowCommand);
    const [, command, file, line, col, title] = lines[0].match(workflowCommand)!;
    expect({ command, file, line, col, title }).toEqual({
      command: 'error',
      file: 'db/migrations/20240301120000_create_orders.ts',
      line: '4',
      col: '3',
      title: 'require-guard',
    });
    expect(lines[2]).toMatch(/^::warning file=db\/migrations\/20240302090000_add_status\.ts,line=9,col=1,title=no-empty-down::/);
    expect(lines[3]).toContain('title=rollsafe/parse-error::');
  });

  it('escapes % CR LF in the message, and , : in properties', async () => {
    const lines = (await format('github')).trimEnd().split('\n');
    const message = lines[1].match(workflowCommand)![6];
    expect(message).toContain('100%25 <changed>');
    expect(unescapeData(message)).toBe(
      'down did not restore the schema: column orders.total_cents, 100% <changed> & kept (checked on pglite)\n→ Drop in down what up adds,\nin reverse order.',
    );
    const odd = [fileResult('db/migrations/a,b:c.sql', [{ ruleId: 'require-down', severity: 2, message: 'x', line: 1, column: 1 }])];
    const [line] = (await format('github', odd)).trimEnd().split('\n');
    expect(line).toMatch(workflowCommand);
    expect(unescapeProperty(line.match(workflowCommand)![2])).toBe('db/migrations/a,b:c.sql');
  });

  it('prints nothing when there is nothing to annotate', async () => {
    expect(await format('github', clean)).toBe('');
  });
});

// ------------------------------------------------------------------ JUnit XML

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** A strict XML 1.0 reader for what JUnit needs: declaration, elements, attributes, text, the five entities. */
function parseXml(xml: string): XmlElement {
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`XML error at ${at}: ${why}: ${JSON.stringify(xml.slice(at, at + 40))}`);
  };
  const decode = (raw: string) => {
    if (/[<]/.test(raw)) fail('raw < in text or attribute');
    return raw.replace(/&([^;]*);?/g, (whole, entity: string) => {
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (!whole.endsWith(';')) fail('& that starts no entity');
      if (entity in named) return named[entity];
      if (/^#\d+$/.test(entity)) return String.fromCodePoint(Number(entity.slice(1)));
      if (/^#x[0-9a-f]+$/i.test(entity)) return String.fromCodePoint(parseInt(entity.slice(2), 16));
      return fail(`unknown entity &${entity};`);
    });
  };
  const name = /[A-Za-z_][\w.-]*/y;
  const readName = () => {
    name.lastIndex = at;
    const match = name.exec(xml) ?? fail('expected a name');
    at = name.lastIndex;
    return match[0];
  };
  const skipSpace = () => {
    while (/\s/.test(xml[at] ?? '')) at++;
  };
  const element = (): XmlElement => {
    if (xml[at] !== '<') fail('expected <');
    at++;
    const node: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
    for (;;) {
      const before = at;
      skipSpace();
      if (xml.startsWith('/>', at)) {
        at += 2;
        return node;
      }
      if (xml[at] === '>') {
        at++;
        break;
      }
      if (at === before) fail('attributes must be separated by space');
      const attribute = readName();
      if (attribute in node.attributes) fail(`duplicate attribute ${attribute}`);
      if (xml[at] !== '=' || xml[at + 1] !== '"') fail('expected ="');
      const end = xml.indexOf('"', at + 2);
      if (end < 0) fail('unterminated attribute');
      node.attributes[attribute] = decode(xml.slice(at + 2, end));
      at = end + 1;
    }
    for (;;) {
      const next = xml.indexOf('<', at);
      if (next < 0) fail(`unclosed <${node.name}>`);
      node.text += decode(xml.slice(at, next));
      at = next;
      if (xml.startsWith('</', at)) {
        at += 2;
        if (readName() !== node.name) fail(`mismatched </…> for <${node.name}>`);
        skipSpace();
        if (xml[at++] !== '>') fail('expected >');
        return node;
      }
      node.children.push(element());
    }
  };
  const declaration = /^<\?xml version="1\.0" encoding="UTF-8"\?>/;
  if (!declaration.test(xml)) fail('missing XML declaration');
  at = xml.match(declaration)![0].length;
  skipSpace();
  const root = element();
  skipSpace();
  if (at !== xml.length) fail('content after the root element');
  return root;
}

describe('junit', () => {
  it('is well-formed XML: one testsuite, one testcase per file, a failure per error', async () => {
    const root = parseXml(await format('junit'));
    expect(root.name).toBe('testsuites');
    expect(root.children.map((child) => child.name)).toEqual(['testsuite']);
    const suite = root.children[0];
    expect(suite.attributes).toMatchObject({ name: 'rollsafe', tests: '4', failures: '2' });
    expect(suite.children.map((testcase) => [testcase.name, testcase.attributes.name, testcase.attributes.classname])).toEqual([
      ['testcase', 'db/migrations/20240301120000_create_orders.ts', 'rollsafe'],
      ['testcase', 'db/migrations/20240302090000_add_status.ts', 'rollsafe'],
      ['testcase', 'db/migrations/20240303100000_broken.ts', 'rollsafe'],
      ['testcase', 'db/migrations/20240304100000_clean.ts', 'rollsafe'],
    ]);
    const [orders, status, broken, cleanCase] = suite.children;
    expect(orders.children.map((child) => [child.name, child.attributes.type])).toEqual([
      ['failure', 'require-guard'],
      ['failure', 'round-trip'],
    ]);
    expect(broken.children[0].attributes.type).toBe('rollsafe/parse-error');
    expect(cleanCase.children).toEqual([]);
    // Warnings are reported without failing the file.
    expect(status.children.map((child) => child.name)).toEqual(['system-out']);
    expect(status.children[0].text).toBe('warning 9:1 no-empty-down: down is empty: a rollback would do nothing.');
  });

  it('escapes markup so that messages come back exactly', async () => {
    const root = parseXml(await format('junit'));
    const roundTrip = root.children[0].children[0].children[1];
    expect(roundTrip.attributes.message).toBe('down did not restore the schema: column orders.total_cents, 100% <changed> & kept');
    expect(roundTrip.text).toBe(
      '12:10 round-trip: down did not restore the schema: column orders.total_cents, 100% <changed> & kept (checked on pglite)\n→ Drop in down what up adds,\nin reverse order.',
    );
    const nasty = [fileResult('db/"q"&<x>.sql', [{ ruleId: 'require-down', severity: 2, message: `'a' "b" \u0001 ]]>`, line: 1, column: 1 }])];
    const testcase = parseXml(await format('junit', nasty)).children[0].children[0];
    expect(testcase.attributes.name).toBe('db/"q"&<x>.sql');
    expect(testcase.children[0].attributes.message).toBe(`'a' "b"  ]]>`);
  });

  it('the checker itself refuses malformed XML', () => {
    expect(() => parseXml('<?xml version="1.0" encoding="UTF-8"?><a><b></a></b>')).toThrow();
    expect(() => parseXml('<?xml version="1.0" encoding="UTF-8"?><a x="1 & 2"/>')).toThrow();
    expect(() => parseXml('<?xml version="1.0" encoding="UTF-8"?><a>1 < 2</a>')).toThrow();
  });
});

describe('formatResults', () => {
  it('knows the five formats and refuses others', async () => {
    expect(formatNames).toEqual(['stylish', 'json', 'sarif', 'github', 'junit']);
    await expect(formatResults('html' as never, results, context)).rejects.toThrow(/unknown format "html"/);
  });
});
