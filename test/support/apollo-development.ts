// Apollo Client's CommonJS build reads `globalThis.__DEV__` when it loads; a bundler's dev build sets it.
(globalThis as { __DEV__?: boolean }).__DEV__ = true;
