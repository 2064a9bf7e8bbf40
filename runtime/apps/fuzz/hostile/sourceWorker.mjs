// Loads the TypeScript sources through tsx in the worker thread, then runs it.
import { register } from 'tsx/esm/api';

register();
await import('./sourceWorker.ts');
