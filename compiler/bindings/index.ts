// Typed TypeScript bindings for cells (package entry "cellc/bindings"; the CLI's
// `cellc emit FILE --target ts`). Kept out of "cellc" and "cellc/compiler":
// it loads ts-morph (and with it the TypeScript compiler), which neither the
// runtime nor a browser page needs.

export { generateBindings, type BindingsOptions, type BindingsResult } from './generate.js';
export { cellDocs, type CellDocs } from './sourceDocs.js';
