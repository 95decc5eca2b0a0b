// The page is built into the Python package (bot/webapp/static) and committed, so that an
// install needs no npm. Relative base: the bot serves it under /app/ (or behind a proxy).
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "../bot/webapp/static",
    emptyOutDir: true,
    target: "es2020",
    modulePreload: false, // no inline polyfill: the CSP allows no inline script
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
    rollupOptions: {
      output: {
        entryFileNames: "assets/app-[hash].js",
        chunkFileNames: "assets/[name]-[hash].js",
        assetFileNames: "assets/[name]-[hash][extname]",
      },
    },
  },
});
