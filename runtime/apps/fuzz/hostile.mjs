// Loads the TypeScript sources through tsx, then runs the hostile-input suite.
import { register } from 'tsx/esm/api';

register();
await import('./hostile/run.ts');
