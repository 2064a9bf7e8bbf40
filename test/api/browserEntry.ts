// A page entry for the browser-build test (test/api/browserBuild.test.ts): what
// a web app imports from the package entry. Bundled by esbuild for the browser,
// never run in Node.

import { acquireDevice, compile, createRuntime, createTypedCell } from '../../runtime/index.js';

export async function run(source: string): Promise<Float32Array> {
  const r = compile(source, { sizes: { H: 8, I: 4 } });
  if ('diagnostics' in r) throw new Error(r.formatted);
  const gpu = await acquireDevice(); // navigator.gpu in a browser
  const rt = await createRuntime(gpu, r.artifact, { B: 2, T: 3 });
  rt.initParams(1);
  rt.setInputs(new Map([['x', new Float32Array(2 * 3 * 4)]]));
  rt.setInitialStates();
  await rt.forward();
  const y = await rt.readOutput('h');
  rt.destroy();
  const typed = await createTypedCell(gpu, r.artifact, { B: 2, T: 3 });
  typed.destroy();
  gpu.destroy();
  return y;
}
