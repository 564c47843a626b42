import { pathToFileURL } from 'node:url';
import { rollsafePackage } from '../config/rollsafe-package.js';
import type { Rule } from '../rule.js';
import type { FileResult } from '../types.js';
import { displayPath, reportedRuleId, ruleLessDescriptions, type FormatContext } from './context.js';

const informationUri = 'https://github.com/rollsafe/rollsafe';
const level = (severity: 1 | 2) => (severity === 2 ? 'error' : 'warning');

interface ReportingDescriptor {
  id: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  helpUri?: string;
  defaultConfiguration: { level: 'error' | 'warning' | 'note' | 'none' };
}

function ruleDescriptor(rule: Rule): ReportingDescriptor {
  return {
    id: rule.id,
    shortDescription: { text: rule.meta.description },
    fullDescription: { text: rule.meta.description },
    help: { text: rule.meta.help },
    helpUri: rule.meta.docsUrl,
    defaultConfiguration: { level: rule.meta.defaultSeverity === 'error' ? 'error' : 'warning' },
  };
}

function ruleLessDescriptor(id: string, description: string): ReportingDescriptor {
  return {
    id,
    shortDescription: { text: description },
    fullDescription: { text: description },
    help: { text: 'Fix the migration so that it loads, or the directive so that it names known rules.' },
    defaultConfiguration: { level: 'error' },
  };
}

/** SARIF 2.1.0, one run, for GitHub code scanning and other SARIF viewers. */
export function sarif(results: FileResult[], context: FormatContext): string {
  const descriptors = context.rules.map(ruleDescriptor);
  for (const [id, description] of Object.entries(ruleLessDescriptions)) descriptors.push(ruleLessDescriptor(id, description));
  const indexById = new Map(descriptors.map((descriptor, index) => [descriptor.id, index]));

  const sarifResults = results.flatMap((result) => {
    const path = displayPath(result.filePath, context.cwd);
    const inCwd = path !== result.filePath;
    const artifactLocation = inCwd ? { uri: encodeURI(path), uriBaseId: '%SRCROOT%' } : { uri: pathToFileURL(result.filePath).href };
    return result.messages.map((finding) => {
      const ruleId = reportedRuleId(finding);
      // A rule the formatter was not told about still gets a descriptor, so ruleIndex stays valid.
      if (!indexById.has(ruleId)) {
        indexById.set(ruleId, descriptors.length);
        descriptors.push(ruleLessDescriptor(ruleId, ruleId));
      }
      const checkedOn = finding.engine ? ` (checked on ${finding.engine})` : '';
      return {
        ruleId,
        ruleIndex: indexById.get(ruleId)!,
        level: level(finding.severity),
        message: { text: `${finding.message}${checkedOn}${finding.help ? `\n${finding.help}` : ''}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation,
              region: { startLine: Math.max(1, finding.line), startColumn: Math.max(1, finding.column) },
            },
          },
        ],
        ...(finding.engine ? { properties: { engine: finding.engine } } : {}),
      };
    });
  });

  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rollsafe',
            informationUri,
            version: rollsafePackage().version,
            rules: descriptors,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(context.cwd.endsWith('/') ? context.cwd : `${context.cwd}/`).href } },
        results: sarifResults,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
