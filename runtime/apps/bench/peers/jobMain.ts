// The frame of a child job written in TypeScript: the spec from argv[2], the
// body, and on an error one line `cellc-bench-error MESSAGE` on stderr and
// exit 1 (the parent puts MESSAGE in the table as "failed: MESSAGE").

import { ERROR_PREFIX, type JobSpec } from './jobs.js';

export { PACKAGE_ROOT as REPO_ROOT } from '../../packageFiles.js';

export async function jobMain(body: (spec: JobSpec) => Promise<void>): Promise<never> {
  try {
    const spec = JSON.parse(process.argv[2] ?? '') as JobSpec;
    await body(spec);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${e instanceof Error && e.stack ? e.stack : message}\n${ERROR_PREFIX}${message.split('\n')[0]}\n`);
    process.exit(1);
  }
  // Dawn's instance keeps the event loop alive; the job is done
  process.exit(0);
}
