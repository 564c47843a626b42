import type { FileResult, Finding } from '../types.js';
import { displayPath, reportedRuleId, type FormatContext } from './context.js';

// Characters XML 1.0 cannot hold at all, even escaped.
const invalidXmlChars = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escapeXml(text: string): string {
  return text
    .replace(invalidXmlChars, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function describe(finding: Finding): string {
  const checkedOn = finding.engine ? ` (checked on ${finding.engine})` : '';
  const help = finding.help ? `\n→ ${finding.help}` : '';
  return `${finding.line}:${finding.column} ${reportedRuleId(finding)}: ${finding.message}${checkedOn}${help}`;
}

/**
 * One testsuite, one testcase per file. Errors are <failure>s; warnings go to <system-out>
 * so that a CI test view shows them without marking the file failed.
 */
export function junit(results: FileResult[], context: FormatContext): string {
  const failedFiles = results.filter((result) => result.messages.some((finding) => finding.severity === 2)).length;
  const cases = results.map((result) => {
    const name = escapeXml(displayPath(result.filePath, context.cwd));
    const failures = result.messages
      .filter((finding) => finding.severity === 2)
      .map((finding) => {
        const message = escapeXml(finding.message);
        return `      <failure type="${escapeXml(reportedRuleId(finding))}" message="${message}">${escapeXml(describe(finding))}</failure>`;
      });
    const warnings = result.messages.filter((finding) => finding.severity === 1).map(describe);
    const body = [...failures];
    if (warnings.length) body.push(`      <system-out>${escapeXml(warnings.map((text) => `warning ${text}`).join('\n'))}</system-out>`);
    if (body.length === 0) return `    <testcase name="${name}" classname="rollsafe" time="0" />`;
    return `    <testcase name="${name}" classname="rollsafe" time="0">\n${body.join('\n')}\n    </testcase>`;
  });
  const counts = `tests="${results.length}" failures="${failedFiles}" errors="0"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="rollsafe" ${counts}>`,
    `  <testsuite name="rollsafe" ${counts} skipped="0" time="0">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
