import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'

// A separate build for tests and benchmarks, so the app's dist/ carries no
// test code. Output: dist-harness/ at the project root.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist-harness', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        devices: fileURLToPath(new URL('./devices.html', import.meta.url))
      }
    }
  }
})
