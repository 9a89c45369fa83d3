import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, loadEnv, type Plugin } from 'vite';

/**
 * When the dashboard is built to call an API on another origin (VITE_LIGHTHOUSE_API_URL), name
 * that origin in index.html so whoever serves the page can allow it in connect-src.
 */
function apiOriginMeta(apiUrl: string | undefined): Plugin {
  return {
    name: 'lighthouse-api-origin',
    transformIndexHtml() {
      if (!apiUrl) return [];
      return [
        {
          tag: 'meta',
          attrs: { name: 'lighthouse-api-origin', content: new URL(apiUrl).origin },
          injectTo: 'head',
        },
      ];
    },
  };
}

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, import.meta.dirname, 'VITE_');
  return {
    // The api serves the app at / and answers every client-side route with index.html, so
    // assets are addressed from the root rather than relative to the current path.
    base: '/',
    plugins: [react(), apiOriginMeta(env.VITE_LIGHTHOUSE_API_URL)],
    // the workspace's contract and domain rules are bundled from their TypeScript sources
    resolve: { conditions: ['@lighthouse/source', ...defaultClientConditions] },
    build: { outDir: 'dist', emptyOutDir: true },
  };
});
