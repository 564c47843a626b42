import type { FileResult } from '../types.js';

/** Exactly ESLint's json formatter, so tools that read ESLint output read ours. */
export function json(results: FileResult[]): string {
  return JSON.stringify(results);
}
