import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the JSON API to a console service on 8088.
export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/api": "http://127.0.0.1:8088" } },
  build: { outDir: "dist", chunkSizeWarningLimit: 2000 },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
} as import("vite").UserConfig & { test: unknown });
