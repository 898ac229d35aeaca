#!/usr/bin/env node
// Runs the TypeScript CLI in place: Weir ships its sources and loads them through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
