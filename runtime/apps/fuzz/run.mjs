// Loads the TypeScript sources through tsx, then runs the cell fuzzer.
import { register } from 'tsx/esm/api';

register();
await import('./fuzzCells.ts');
