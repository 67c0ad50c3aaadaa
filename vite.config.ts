import { defineConfig } from 'vite'

// The app is static files: any web server can host dist/. `base: './'` keeps
// it working from a sub-folder too.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: true
  }
})
