import { defineConfig } from "vitest/config";

// `npm run dev` serves the UI with hot reload and forwards the API (REST and websockets) to
// a `divelab serve` on DIVELAB_API (default http://127.0.0.1:8000).
const api = process.env.DIVELAB_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  server: { proxy: { "/api": { target: api, ws: true } } },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 300 },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
