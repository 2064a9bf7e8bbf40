/// <reference types="vite/client" />
// The cells of dsl-examples/, bundled into the page as text.

const files = import.meta.glob<string>('../../../../dsl-examples/*.cell', { query: '?raw', import: 'default', eager: true });

/** File name (e.g. "lstm.cell") → source, sorted by name. */
export const EXAMPLES: ReadonlyMap<string, string> = new Map(
  Object.entries(files)
    .map(([path, text]): [string, string] => [path.slice(path.lastIndexOf('/') + 1), text])
    .sort(([a], [b]) => a.localeCompare(b)),
);

/** The example whose text is exactly `source`, if any. */
export function exampleNamed(source: string): string | undefined {
  for (const [name, text] of EXAMPLES) if (text === source) return name;
  return undefined;
}
