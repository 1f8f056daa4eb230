// Vitest runs in Node; `@tauri-apps/api/mocks` installs its IPC mock on `window`.
Object.assign(globalThis, { window: globalThis });
