#!/usr/bin/env node
// Launcher for the TypeScript CLI (src/cli.ts): tailstream start | migrate | demo.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
