// Vite configuration of the playground (a static web app: the compiler and the
// WebGPU runtime run in the page). From the repository root:
//   npm run playground   → dev server
//   npm run build:web    → runtime/apps/playground/dist/, servable by any static host
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('../../..', import.meta.url));

export default defineConfig({
  root: here,
  // Relative asset URLs: the built folder works from any path of any static host.
  base: './',
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Graphviz (WebAssembly, inlined) is one large lazily loaded chunk.
    chunkSizeWarningLimit: 4000,
  },
  // The page imports compiler/, runtime/ and dsl-examples/ from the repository.
  server: { fs: { allow: [repo] } },
});
