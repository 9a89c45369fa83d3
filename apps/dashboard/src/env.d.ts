/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** where the API is, e.g. https://api.example.com; unset, the page's own origin */
  readonly VITE_LIGHTHOUSE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
