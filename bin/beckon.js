#!/usr/bin/env node
// Thin entry point: registers the TypeScript loader and hands over to the CLI package.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('@beckon/cli');
process.exitCode = await main(process.argv.slice(2));
