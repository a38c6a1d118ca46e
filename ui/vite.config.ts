import { defineConfig } from "vite";

// The Tauri shell serves ui/dist directly (no dev server), offline.
export default defineConfig({
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  test: { environment: "jsdom", include: ["tests/**/*.test.ts"] },
});
