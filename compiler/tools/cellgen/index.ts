// The random cell generator and shrinker (used by test/fuzz and the fuzz:cells script).
export { generateCell, generateSource, type GenOptions } from './generate.js';
export { renderCell, sizeValues, type Expr, type GenCell, type Stmt } from './ast.js';
export { shrinkCell, type ShrinkOptions } from "./shrink.js";
