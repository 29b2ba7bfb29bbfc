/** The backends a DAG or CLI flag can ask for (kept apart from selectBackend so configs need not load tfjs). */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
