import type { FileResult } from '../types.js';
import type { FormatContext, Formatter } from './context.js';

export type { FormatContext, Formatter } from './context.js';

// Each formatter loads only when asked for: the hook prints stylish and needs nothing else.
const loaders = {
  stylish: async () => (await import('./stylish.js')).stylish,
  json: async () => (await import('./json.js')).json,
  sarif: async () => (await import('./sarif.js')).sarif,
  github: async () => (await import('./github.js')).github,
  junit: async () => (await import('./junit.js')).junit,
} satisfies Record<string, () => Promise<Formatter>>;

export type FormatName = keyof typeof loaders;
export const formatNames = Object.keys(loaders) as FormatName[];

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(loaders, name);
}

export async function formatResults(name: FormatName, results: FileResult[], context: FormatContext): Promise<string> {
  return (await loadFormatter(name))(results, context);
}

/** The formatter itself, which formats synchronously (a report written while the process is being interrupted). */
export async function loadFormatter(name: FormatName): Promise<Formatter> {
  if (!isFormatName(name)) throw new Error(`unknown format "${String(name)}" (use one of ${formatNames.join(', ')})`);
  return loaders[name]();
}
